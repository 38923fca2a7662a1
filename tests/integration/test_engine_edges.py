"""Engine edges: oversized input, re-entry, look-ups, unserialisable results, real time."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from orchestra import (
    Engine,
    EngineError,
    ExecutionDoesNotExist,
    StateMachine,
    TaskContext,
    task,
)
from orchestra.testing import VirtualClock
from tests.helpers import machine, run

pytestmark = pytest.mark.anyio

FN = "arn:aws:lambda:us-east-1:123456789012:function:work"
PASS = machine(("P", {"Type": "Pass"}))


async def test_an_input_over_the_payload_limit_fails_the_execution() -> None:
    """Input larger than the engine's payload limit fails with States.DataLimitExceeded."""
    execution, history = await run(PASS, {"a": "x" * 300}, payload_limit=256)
    assert (execution.error, execution.cause) == (
        "States.DataLimitExceeded",
        "The state/task 'ExecutionInput' returned a result with a size exceeding the maximum "
        "number of bytes service limit.",
    )
    assert [e.type for e in history] == ["ExecutionStarted", "ExecutionFailed"]


async def test_a_running_engine_cannot_be_entered_again() -> None:
    """Entering an engine's ``async with`` twice raises EngineError."""
    engine = Engine(clock=VirtualClock())
    async with engine:
        with pytest.raises(EngineError) as caught:
            await engine.__aenter__()
    assert str(caught.value) == "the engine is already running"


async def test_describe_execution_finds_an_execution_by_arn() -> None:
    """``describe_execution`` returns the execution its ARN names."""
    async with Engine(clock=VirtualClock()) as engine:
        execution = await engine.start_execution(StateMachine.from_definition(PASS), {"a": 1})
        await execution.wait()
        assert engine.describe_execution(execution.arn) is execution


async def test_describe_execution_refuses_an_unknown_arn() -> None:
    """An ARN the engine never ran raises ExecutionDoesNotExist in AWS's words."""
    arn = "arn:aws:states:us-east-1:123456789012:execution:nope:run"
    async with Engine(clock=VirtualClock()) as engine:
        with pytest.raises(ExecutionDoesNotExist) as caught:
            engine.describe_execution(arn)
    assert str(caught.value) == f"Execution Does Not Exist: '{arn}'"


async def test_a_result_that_is_not_json_fails_with_a_marshal_error() -> None:
    """A task returning a Python set fails the state as Lambda does: Runtime.MarshalError."""

    @task(FN)
    async def work(payload: Any) -> Any:
        return {1, 2}

    execution, history = await run(
        machine(("T", {"Type": "Task", "Resource": FN})), {}, tasks=[work]
    )
    assert (execution.error, execution.cause) == (
        "Runtime.MarshalError",
        "Unable to marshal response: Object of type set is not JSON serializable",
    )
    assert history[-2].type == "LambdaFunctionFailed"


async def test_without_a_clock_tasks_sleep_in_real_time() -> None:
    """The default clock is the system's: a task's 50 ms sleep takes 50 ms."""

    @task(FN)
    async def work(payload: Any, ctx: TaskContext) -> str:
        await ctx.sleep(0.05)
        return "rested"

    compiled = StateMachine.from_definition(machine(("T", {"Type": "Task", "Resource": FN})))
    start = anyio.current_time()
    async with Engine(tasks=[work]) as engine:
        execution = await engine.start_execution(compiled, {})
        assert await execution.result() == "rested"
    assert anyio.current_time() - start >= 0.05


def test_an_engine_shows_where_it_runs() -> None:
    """The repr names the account, the region and the clock."""
    engine = Engine(account="111122223333", region="eu-west-1")
    assert repr(engine) == (
        "Engine(account='111122223333', region='eu-west-1', clock=SystemClock())"
    )
