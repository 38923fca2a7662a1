"""History events of Task states: the Task* family, and LambdaFunction* for a Lambda
function named by its ARN as the Resource."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from .events import Event, FailureEvent


@dataclass(slots=True)
class TaskStarted(Event):
    """A task started; every Task* event names its resource as this one does."""

    resource_type: str
    resource: str

    type: ClassVar[str] = "TaskStarted"
    details_key: ClassVar[str | None] = "taskStartedEventDetails"

    def raw(self) -> dict[str, Any]:
        """``resourceType`` and ``resource``."""
        return {"resourceType": self.resource_type, "resource": self.resource}


@dataclass(slots=True)
class TaskScheduled(TaskStarted):
    """A task was scheduled with its parameters."""

    region: str
    parameters: Any
    timeout: int | None = None
    heartbeat: int | None = None

    type: ClassVar[str] = "TaskScheduled"
    details_key: ClassVar[str | None] = "taskScheduledEventDetails"

    def raw(self) -> dict[str, Any]:
        """The resource, region and parameters; the timeouts where set."""
        details = TaskStarted.raw(self)
        details["region"] = self.region
        details["parameters"] = self.parameters
        if self.timeout is not None:
            details["timeoutInSeconds"] = self.timeout
        if self.heartbeat is not None:
            details["heartbeatInSeconds"] = self.heartbeat
        return details


@dataclass(slots=True)
class TaskSubmitted(TaskStarted):
    """A task handed its work over (a callback token, a ``.sync`` child started)."""

    output: Any

    type: ClassVar[str] = "TaskSubmitted"
    details_key: ClassVar[str | None] = "taskSubmittedEventDetails"

    def raw(self) -> dict[str, Any]:
        """The resource, and what the hand-over answered."""
        details = TaskStarted.raw(self)
        details["output"] = self.output
        return details


@dataclass(slots=True)
class TaskSucceeded(TaskSubmitted):
    """A task returned its result."""

    type: ClassVar[str] = "TaskSucceeded"
    details_key: ClassVar[str | None] = "taskSucceededEventDetails"


@dataclass(slots=True)
class TaskFailed(TaskStarted):
    """A task failed."""

    error: str | None
    cause: str | None

    type: ClassVar[str] = "TaskFailed"
    details_key: ClassVar[str | None] = "taskFailedEventDetails"

    def raw(self) -> dict[str, Any]:
        """The resource, ``error`` and ``cause``."""
        details = TaskStarted.raw(self)
        details["error"] = self.error
        details["cause"] = self.cause
        return details


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
class LambdaFunctionFailed(FailureEvent):
    """A Lambda function failed."""

    type: ClassVar[str] = "LambdaFunctionFailed"
    details_key: ClassVar[str | None] = "lambdaFunctionFailedEventDetails"


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
