"""History events of Task states: the Task* family, and LambdaFunction* for a Lambda
function named by its ARN as the Resource."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from .events import Event


@dataclass(slots=True)
class TaskScheduled(Event):
    """A task was scheduled with its parameters."""

    resource_type: str
    resource: str
    region: str
    parameters: Any
    timeout: int | None = None
    heartbeat: int | None = None

    type: ClassVar[str] = "TaskScheduled"
    details_key: ClassVar[str | None] = "taskScheduledEventDetails"

    def raw(self) -> dict[str, Any]:
        """The resource, region and parameters; the timeouts where set."""
        details: dict[str, Any] = {
            "resourceType": self.resource_type,
            "resource": self.resource,
            "region": self.region,
            "parameters": self.parameters,
        }
        if self.timeout is not None:
            details["timeoutInSeconds"] = self.timeout
        if self.heartbeat is not None:
            details["heartbeatInSeconds"] = self.heartbeat
        return details


@dataclass(slots=True)
class TaskStarted(Event):
    """A task started."""

    resource_type: str
    resource: str

    type: ClassVar[str] = "TaskStarted"
    details_key: ClassVar[str | None] = "taskStartedEventDetails"

    def raw(self) -> dict[str, Any]:
        """The resource."""
        return {"resourceType": self.resource_type, "resource": self.resource}


@dataclass(slots=True)
class TaskSubmitted(Event):
    """A task handed its work over (a callback token, a ``.sync`` child started)."""

    resource_type: str
    resource: str
    output: Any

    type: ClassVar[str] = "TaskSubmitted"
    details_key: ClassVar[str | None] = "taskSubmittedEventDetails"

    def raw(self) -> dict[str, Any]:
        """The resource, and what the hand-over answered."""
        return {
            "resourceType": self.resource_type,
            "resource": self.resource,
            "output": self.output,
        }


@dataclass(slots=True)
class TaskSucceeded(TaskSubmitted):
    """A task returned its result."""

    type: ClassVar[str] = "TaskSucceeded"
    details_key: ClassVar[str | None] = "taskSucceededEventDetails"


@dataclass(slots=True)
class TaskFailed(Event):
    """A task failed."""

    resource_type: str
    resource: str
    error: str | None
    cause: str | None

    type: ClassVar[str] = "TaskFailed"
    details_key: ClassVar[str | None] = "taskFailedEventDetails"

    def raw(self) -> dict[str, Any]:
        """The resource, ``error`` and ``cause``."""
        return {
            "resourceType": self.resource_type,
            "resource": self.resource,
            "error": self.error,
            "cause": self.cause,
        }


@dataclass(slots=True)
class TaskTimedOut(TaskFailed):
    """A task ran past its TimeoutSeconds or missed a heartbeat."""

    type: ClassVar[str] = "TaskTimedOut"
    details_key: ClassVar[str | None] = "taskTimedOutEventDetails"


@dataclass(slots=True)
class LambdaFunctionScheduled(Event):
    """A Lambda function (by its ARN as Resource) was scheduled."""

    resource: str
    input: Any
    timeout: int | None = None

    type: ClassVar[str] = "LambdaFunctionScheduled"
    details_key: ClassVar[str | None] = "lambdaFunctionScheduledEventDetails"

    def raw(self) -> dict[str, Any]:
        """The function, its input, and the timeout where set."""
        details: dict[str, Any] = {"resource": self.resource, "input": self.input}
        if self.timeout is not None:
            details["timeoutInSeconds"] = self.timeout
        return details


@dataclass(slots=True)
class LambdaFunctionStarted(Event):
    """A Lambda function started."""

    type: ClassVar[str] = "LambdaFunctionStarted"


@dataclass(slots=True)
class LambdaFunctionSucceeded(Event):
    """A Lambda function returned."""

    output: Any

    type: ClassVar[str] = "LambdaFunctionSucceeded"
    details_key: ClassVar[str | None] = "lambdaFunctionSucceededEventDetails"

    def raw(self) -> dict[str, Any]:
        """``output``."""
        return {"output": self.output}


@dataclass(slots=True)
class LambdaFunctionFailed(Event):
    """A Lambda function failed."""

    error: str | None
    cause: str | None

    type: ClassVar[str] = "LambdaFunctionFailed"
    details_key: ClassVar[str | None] = "lambdaFunctionFailedEventDetails"

    def raw(self) -> dict[str, Any]:
        """``error`` and ``cause``."""
        return {"error": self.error, "cause": self.cause}


@dataclass(slots=True)
class LambdaFunctionTimedOut(LambdaFunctionFailed):
    """A Lambda function ran past its TimeoutSeconds."""

    type: ClassVar[str] = "LambdaFunctionTimedOut"
    details_key: ClassVar[str | None] = "lambdaFunctionTimedOutEventDetails"


@dataclass(frozen=True, slots=True)
class TaskEvents:
    """The events of one Task state's resource: the Task* family, or LambdaFunction* for a
    Lambda function named by its ARN."""

    resource_type: str
    resource: str
    is_lambda: bool

    def scheduled(
        self,
        at: datetime,
        region: str,
        parameters: Any,
        timeout: int | None,
        heartbeat: int | None,
    ) -> Event:
        """TaskScheduled (LambdaFunctionScheduled records no heartbeat)."""
        if self.is_lambda:
            return LambdaFunctionScheduled(at, self.resource, parameters, timeout)
        return TaskScheduled(
            at, self.resource_type, self.resource, region, parameters, timeout, heartbeat
        )

    def started(self, at: datetime) -> Event:
        """TaskStarted."""
        if self.is_lambda:
            return LambdaFunctionStarted(at)
        return TaskStarted(at, self.resource_type, self.resource)

    def succeeded(self, at: datetime, output: Any) -> Event:
        """TaskSucceeded."""
        if self.is_lambda:
            return LambdaFunctionSucceeded(at, output)
        return TaskSucceeded(at, self.resource_type, self.resource, output)

    def failed(self, at: datetime, error: str | None, cause: str | None) -> Event:
        """TaskFailed."""
        if self.is_lambda:
            return LambdaFunctionFailed(at, error, cause)
        return TaskFailed(at, self.resource_type, self.resource, error, cause)

    def timed_out(self, at: datetime, error: str | None) -> Event:
        """TaskTimedOut."""
        if self.is_lambda:
            return LambdaFunctionTimedOut(at, error, None)
        return TaskTimedOut(at, self.resource_type, self.resource, error, None)
