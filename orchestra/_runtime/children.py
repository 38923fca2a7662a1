"""Child executions: the ``states:startExecution`` integration, served by the engine itself.

``startExecution`` returns as soon as the child has started; ``.sync`` and ``.sync:2`` submit
it (the TaskSubmitted event holds the StartExecution answer), wait for it and return AWS's
DescribeExecution shape (``.sync`` keeps ``Input`` and ``Output`` as JSON text, ``.sync:2``
parses them); ``.waitForTaskToken`` starts it and leaves the wait to the token. A child whose input holds ``AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID`` belongs
to that execution's family, as on AWS. A ``.sync`` state that is cancelled (its execution
stopped or failed, its TimeoutSeconds passed) stops the child it waits for.

These are ordinary ``@task`` functions bound to the integration's Resource strings, so a
user's own task for one of them takes its place (to stub a child out in a test, say).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any, Final, Protocol

import anyio

from .. import errors
from .._definition.resources import target_of
from .._query import jsondata
from .._query.failures import to_json
from .._states.run import Failure
from .._store.records import ExecutionStatus
from ..errors import EngineError, TaskFailed
from .callbacks import Submission
from .execution import Execution
from .tasks import task

if TYPE_CHECKING:
    from .._states.machine import StateMachine
    from .._states.run import Clock

STARTED_BY: Final = "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"
START_EXECUTION: Final = "arn:aws:states:::states:startExecution"


class Executions(Protocol):
    """What child executions need of the runtime: starting, stopping and naming them."""

    @property
    def clock(self) -> Clock:
        """The engine's clock."""
        ...

    def machine_arn(self, machine: StateMachine) -> str:
        """A state machine's ARN in the engine's region and account."""
        ...

    async def start(
        self, machine: StateMachine | str, input: Any = None, name: str | None = None
    ) -> Execution:
        """Start an execution (StartExecution)."""
        ...

    async def stop(
        self, execution: Execution, error: str | None = None, cause: str | None = None
    ) -> Execution:
        """Stop an execution and wait until it has closed (StopExecution)."""
        ...


def child_tasks(engine: Executions) -> dict[str, Callable[..., Any]]:
    """The engine's own tasks for ``states:startExecution``, by the resource each serves."""

    def serving(resource: str, *, wait: bool, parse_payloads: bool) -> Callable[..., Any]:
        target = target_of(resource)
        details = {"resourceType": target.resource_type, "resource": target.resource_name}

        # A new function each time: a task function serves exactly one Resource string.
        async def start_execution(parameters: Any) -> Any:
            child = await _start_child(engine, parameters)
            started = _started(engine, child)
            if not wait:
                return started

            async def finished() -> tuple[Any, Failure | None]:
                return await _finished(engine, child, parse_payloads=parse_payloads)

            return Submission(details, started, finished)

        return task(resource, name="startExecution")(start_execution)

    modes = (
        ("", False, False),
        (".waitForTaskToken", False, False),
        (".sync", True, False),
        (".sync:2", True, True),
    )
    return {
        START_EXECUTION + suffix: serving(START_EXECUTION + suffix, wait=wait, parse_payloads=parse)
        for suffix, wait, parse in modes
    }


def describe(engine: Executions, execution: Execution, *, parse_payloads: bool) -> dict[str, Any]:
    """An execution in the shape of AWS's DescribeExecution response, keys sorted as AWS does.

    Args:
        engine: the executions' runtime (for the state machine's ARN).
        execution: a closed execution.
        parse_payloads: ``Input`` and ``Output`` as JSON values (``.sync:2``) rather than
            JSON text (``.sync``).
    """

    def payload(value: Any) -> Any:
        return value if parse_payloads else to_json(value)

    description: dict[str, Any] = {
        "ExecutionArn": execution.arn,
        "Input": payload(execution.record.input),
        "InputDetails": {"Included": True},
        "Name": execution.name,
        "StartDate": _millis(execution.start_date),
        "StateMachineArn": engine.machine_arn(execution.machine),
        "Status": execution.status.value,
    }
    if execution.stop_date is not None:
        description["StopDate"] = _millis(execution.stop_date)
    if execution.status is ExecutionStatus.SUCCEEDED:
        description["Output"] = payload(execution.record.output)
        description["OutputDetails"] = {"Included": True}
    if execution.error is not None:
        description["Error"] = execution.error
    if execution.cause is not None:
        description["Cause"] = execution.cause
    return dict(sorted(description.items()))


async def _finished(
    engine: Executions, child: Execution, *, parse_payloads: bool
) -> tuple[Any, Failure | None]:
    """Wait for a ``.sync`` child: its description, or States.TaskFailed if it did not succeed."""
    try:
        # The child's own runner keeps the clock busy; this one only waits for it.
        with engine.clock.idle():
            await child.wait()
    except anyio.get_cancelled_exc_class():
        with anyio.CancelScope(shield=True):
            await engine.stop(child)
        raise
    description = describe(engine, child, parse_payloads=parse_payloads)
    if child.status is not ExecutionStatus.SUCCEEDED:
        return None, (errors.TASK_FAILED, to_json(description))
    return description, None


async def _start_child(engine: Executions, parameters: Any) -> Execution:
    """Start the child that ``parameters`` (StateMachineArn, Input, Name) describe.

    Raises:
        TaskFailed: with the error the StepFunctions service would answer with.
    """
    if not isinstance(parameters, dict) or not isinstance(parameters.get("StateMachineArn"), str):
        raise _service_error(
            "Validation",
            "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy "
            "constraint: Member must not be null",
        )
    child_input = parameters.get("Input")
    if isinstance(child_input, str):
        # The API takes the input as JSON text; a template may hand it over either way.
        try:
            child_input = jsondata.decode(child_input)
        except jsondata.JsonDataError:
            raise _service_error(
                "InvalidExecutionInput",
                f"Invalid State Machine Execution Input: '{child_input}'",
            ) from None
    name = parameters.get("Name")
    if name is not None and not isinstance(name, str):
        raise _service_error("InvalidName", f"Invalid Name: '{to_json(name)}'")
    try:
        return await engine.start(parameters["StateMachineArn"], child_input, name)
    except EngineError as exc:
        code = type(exc).__name__
        if code in ("EngineError", "InvalidArgument"):
            code = "Validation"
        raise _service_error(code, str(exc)) from None


def _started(engine: Executions, child: Execution) -> dict[str, Any]:
    """StartExecution's response, with the SDK metadata AWS's integration adds."""
    request_id = str(uuid.uuid4())
    start = _millis(child.start_date)
    length = str(len(to_json({"executionArn": child.arn, "startDate": start / 1000})))
    date = format_datetime(engine.clock.now(), usegmt=True)
    return {
        "ExecutionArn": child.arn,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {
                "x-amzn-RequestId": [request_id],
                "connection": ["keep-alive"],
                "Content-Length": [length],
                "Date": [date],
                "Content-Type": ["application/x-amz-json-1.0"],
            },
            "HttpHeaders": {
                "connection": "keep-alive",
                "Content-Length": length,
                "Content-Type": "application/x-amz-json-1.0",
                "Date": date,
                "x-amzn-RequestId": request_id,
            },
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
        "StartDate": start,
    }


def _service_error(code: str, message: str) -> TaskFailed:
    """A StepFunctions API error as the integration reports it."""
    return TaskFailed(
        f"StepFunctions.{code}Exception",
        f"{message} (Service: AWSStepFunctions; Status Code: 400; Error Code: {code}; "
        f"Request ID: {uuid.uuid4()}; Proxy: null)",
    )


def _millis(moment: datetime) -> int:
    """AWS's integrations report dates as milliseconds since the epoch."""
    return round(moment.timestamp() * 1000)
