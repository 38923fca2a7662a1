"""Task fields read at run time: TimeoutSecondsPath, HeartbeatSecondsPath, JSONata timeouts.

Also the Resource forms a task can be bound to beyond Lambda and optimised integrations.
"""

from __future__ import annotations

from typing import Any

import pytest

from orchestra import TaskContext, task
from orchestra.testing import VirtualClock
from tests.helpers import machine, run

pytestmark = pytest.mark.anyio

FN = "arn:aws:lambda:us-east-1:123456789012:function:slow"
QUEUE = "arn:aws:states:::sqs:sendMessage"
ENTERED_AT_2 = "An error occurred while executing the state 'T' (entered at the event id #2). "


@task(FN)
async def slow(payload: Any, ctx: TaskContext) -> str:
    await ctx.sleep(60)
    return "done"


@task(QUEUE)
async def silent(payload: Any, ctx: TaskContext) -> str:
    await ctx.sleep(60)
    return "sent"


def task_state(resource: str = FN, **fields: Any) -> dict[str, Any]:
    """A machine of one Task state named T."""
    return machine(("T", {"Type": "Task", "Resource": resource, **fields}))


async def test_timeout_seconds_path_times_the_task_out() -> None:
    """A task slower than the TimeoutSecondsPath value fails with States.Timeout."""
    clock = VirtualClock()
    execution, history = await run(
        task_state(TimeoutSecondsPath="$.TimeoutSecondsValue"),
        {"TimeoutSecondsValue": 5},
        tasks=[slow],
        clock=clock,
    )
    assert (execution.error, execution.cause) == ("States.Timeout", None)
    assert history[-2].type == "LambdaFunctionTimedOut"
    assert clock.elapsed == 5


async def test_timeout_seconds_path_is_recorded_when_scheduled() -> None:
    """The scheduled event carries the timeout read from the input."""
    _, history = await run(task_state(TimeoutSecondsPath="$.t"), {"t": 5}, tasks=[slow])
    details = history[2].to_dict()["lambdaFunctionScheduledEventDetails"]
    assert details["timeoutInSeconds"] == 5


async def test_a_long_enough_timeout_seconds_path_lets_the_task_finish() -> None:
    """A task faster than its TimeoutSecondsPath value succeeds."""
    execution, _ = await run(task_state(TimeoutSecondsPath="$.t"), {"t": 61}, tasks=[slow])
    assert execution.output == "done"


@pytest.mark.parametrize(("value", "shown"), [(0, "0"), (-1, "-1"), ("10", "10"), (1.5, "1.5")])
async def test_timeout_seconds_path_must_reference_a_positive_integer(
    value: Any, shown: str
) -> None:
    """A TimeoutSecondsPath value that is no positive integer fails the run."""
    execution, history = await run(task_state(TimeoutSecondsPath="$.t"), {"t": value}, tasks=[slow])
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        ENTERED_AT_2 + f'The TimeoutSecondsPath field refers to value "{shown}" which is not a '
        "valid positive integer: $.t",
    )
    assert [e.type for e in history] == ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"]


async def test_heartbeat_seconds_path_times_a_silent_task_out() -> None:
    """A task that sends no heartbeat within HeartbeatSecondsPath fails with HeartbeatTimeout."""
    clock = VirtualClock()
    execution, _ = await run(
        task_state(QUEUE, HeartbeatSecondsPath="$.h", TimeoutSeconds=200),
        {"h": 10},
        tasks=[silent],
        clock=clock,
    )
    assert (execution.error, execution.cause) == ("States.HeartbeatTimeout", None)
    assert clock.elapsed == 10


async def test_heartbeat_seconds_path_is_recorded_in_the_task_events() -> None:
    """TaskScheduled carries both limits; TaskTimedOut names the resource and the error."""
    _, history = await run(
        task_state(QUEUE, HeartbeatSecondsPath="$.h", TimeoutSeconds=200),
        {"h": 10},
        tasks=[silent],
    )
    scheduled = history[2].to_dict()["taskScheduledEventDetails"]
    assert (scheduled["timeoutInSeconds"], scheduled["heartbeatInSeconds"]) == (200, 10)
    assert history[-2].to_dict()["taskTimedOutEventDetails"] == {
        "resourceType": "sqs",
        "resource": "sendMessage",
        "error": "States.HeartbeatTimeout",
        "cause": None,
    }


async def test_heartbeat_seconds_path_must_reference_a_positive_integer() -> None:
    """A negative HeartbeatSecondsPath value fails the run."""
    execution, _ = await run(
        task_state(QUEUE, HeartbeatSecondsPath="$.h", TimeoutSeconds=200),
        {"h": -1},
        tasks=[silent],
    )
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        ENTERED_AT_2 + 'The HeartbeatSecondsPath field refers to value "-1" which is not a '
        "valid positive integer: $.h",
    )


async def test_jsonata_timeout_seconds_expression_sets_the_timeout() -> None:
    """TimeoutSeconds may be an expression; its value times the task out."""
    clock = VirtualClock()
    definition = {
        "QueryLanguage": "JSONata",
        **task_state(TimeoutSeconds="{% $states.input.limit %}"),
    }
    execution, _ = await run(definition, {"limit": 7}, tasks=[slow], clock=clock)
    assert (execution.error, execution.cause) == ("States.Timeout", None)
    assert clock.elapsed == 7


async def test_jsonata_timeout_seconds_must_evaluate_to_an_integer() -> None:
    """A TimeoutSeconds expression yielding text is a States.QueryEvaluationError."""
    definition = {
        "QueryLanguage": "JSONata",
        **task_state(TimeoutSeconds="{% $states.input.limit %}"),
    }
    execution, history = await run(definition, {"limit": "5"}, tasks=[slow])
    assert (execution.error, execution.cause) == (
        "States.QueryEvaluationError",
        ENTERED_AT_2 + 'The TimeoutSeconds field must evaluate to a valid integer, but was: "5"',
    )
    assert [e.type for e in history][-2:] == ["EvaluationFailed", "ExecutionFailed"]


async def test_a_task_can_serve_an_activity_arn() -> None:
    """A task bound to an activity ARN gets the state's input and returns its result."""
    activity = "arn:aws:states:us-east-1:123456789012:activity:review"

    @task(activity)
    async def review(payload: Any) -> Any:
        return {"reviewed": payload}

    execution, _ = await run(task_state(activity), {"doc": 1}, tasks=[review])
    assert execution.output == {"reviewed": {"doc": 1}}
