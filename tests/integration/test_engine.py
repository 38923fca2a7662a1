"""The engine's lifecycle: starting, waiting, results, history, timeouts, cancellation."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from orchestra import (
    Engine,
    EngineError,
    ExecutionAlreadyExists,
    ExecutionError,
    InvalidName,
    StateMachine,
    TaskContext,
    task,
)
from orchestra.testing import VirtualClock
from tests.helpers import machine, run

pytestmark = pytest.mark.anyio

HELLO = machine(("Hello", {"Type": "Pass", "Result": "world", "ResultPath": "$.hello"}))
FN = "arn:aws:lambda:us-east-1:123456789012:function:sleepy"


async def test_start_returns_at_once_and_result_waits() -> None:
    """``start_execution`` returns a running execution; ``result()`` gives its output."""
    clock = VirtualClock()
    definition = machine(("Wait", {"Type": "Wait", "Seconds": 3600}), ("Done", {"Type": "Pass"}))
    async with Engine(clock=clock) as engine:
        execution = await engine.start_execution(StateMachine.from_definition(definition), {"a": 1})
        assert execution.status == "RUNNING"
        assert await execution.result() == {"a": 1}
    assert execution.status == "SUCCEEDED"
    assert clock.elapsed == 3600


async def test_failed_execution_raises_execution_error() -> None:
    """``result()`` raises ExecutionError with AWS's error and cause."""
    definition = machine(("Boom", {"Type": "Fail", "Error": "Bad", "Cause": "why"}))
    async with Engine(clock=VirtualClock()) as engine:
        execution = await engine.start_execution(StateMachine.from_definition(definition))
        with pytest.raises(ExecutionError) as caught:
            await execution.result()
    assert (caught.value.status, caught.value.error, caught.value.cause) == ("FAILED", "Bad", "why")


async def test_history_events_have_aws_ids_and_shapes() -> None:
    """Events are numbered from 1, chained, and carry AWS's details."""
    _, history = await run(HELLO, {"x": 1})
    assert [e.id for e in history] == [1, 2, 3, 4]
    assert [e.previous_event_id for e in history] == [0, 1, 2, 3]
    started = history[0].to_dict()
    assert started["type"] == "ExecutionStarted"
    assert started["executionStartedEventDetails"]["input"] == '{"x":1}'
    exited = history[2].to_dict()["stateExitedEventDetails"]
    assert exited == {
        "name": "Hello",
        "output": '{"x":1,"hello":"world"}',
        "outputDetails": {"truncated": False},
    }
    assert history[-1].type == "ExecutionSucceeded"


async def test_arns_follow_aws_forms() -> None:
    """Machine and execution ARNs use the engine's account and region."""
    machine_ = StateMachine.from_definition(HELLO, name="orders")
    async with Engine(
        account="111122223333", region="eu-central-1", clock=VirtualClock()
    ) as engine:
        execution = await engine.start_execution(machine_, {}, name="first")
        await execution.wait()
    assert execution.arn == "arn:aws:states:eu-central-1:111122223333:execution:orders:first"
    assert machine_.arn("eu-central-1", "111122223333") == (
        "arn:aws:states:eu-central-1:111122223333:stateMachine:orders"
    )


async def test_machine_timeout_ends_with_timed_out() -> None:
    """The machine's TimeoutSeconds closes the execution as TIMED_OUT."""
    definition = {**machine(("Wait", {"Type": "Wait", "Seconds": 100})), "TimeoutSeconds": 10}
    clock = VirtualClock()
    execution, history = await run(definition, {}, clock=clock)
    assert (execution.status, execution.error) == ("TIMED_OUT", "States.Timeout")
    assert history[-1].type == "ExecutionTimedOut"
    assert clock.elapsed == 10


async def test_leaving_the_engine_aborts_running_executions() -> None:
    """Nothing outlives the engine: running executions end ABORTED, tasks are cancelled."""
    finished: list[bool] = []
    started = anyio.Event()

    @task(FN)
    async def sleepy(payload: Any) -> None:
        started.set()
        await anyio.sleep(10)
        finished.append(True)

    machine_ = StateMachine.from_definition(machine(("T", {"Type": "Task", "Resource": FN})))
    with anyio.fail_after(2):
        async with Engine(tasks=[sleepy]) as engine:
            execution = await engine.start_execution(machine_, {})
            await started.wait()
    assert execution.status == "ABORTED"
    assert finished == []
    assert (await engine.get_execution_history(execution))[-1].type == "ExecutionAborted"


async def test_errors_in_the_engine_block_propagate_unwrapped() -> None:
    """An exception raised inside ``async with Engine`` is not wrapped in a group."""
    with pytest.raises(KeyError):
        async with Engine(clock=VirtualClock()):
            raise KeyError("boom")


async def test_start_requires_a_running_engine() -> None:
    """Starting outside ``async with`` is a clear error."""
    with pytest.raises(EngineError, match="not running"):
        await Engine().start_execution(StateMachine.from_definition(HELLO))


async def test_running_name_with_same_input_returns_the_same_execution() -> None:
    """Standard executions are idempotent by name while running with the same input."""
    definition = machine(("Wait", {"Type": "Wait", "Seconds": 5}))
    machine_ = StateMachine.from_definition(definition)
    async with Engine(clock=VirtualClock()) as engine:
        first = await engine.start_execution(machine_, {"k": 1}, name="order-1")
        again = await engine.start_execution(machine_, {"k": 1}, name="order-1")
        assert again is first
        with pytest.raises(ExecutionAlreadyExists):
            await engine.start_execution(machine_, {"k": 2}, name="order-1")
        await first.wait()
        with pytest.raises(ExecutionAlreadyExists):
            await engine.start_execution(machine_, {"k": 1}, name="order-1")


@pytest.mark.parametrize("name", ["", "a" * 81, "has space", "semi;colon", "brace{", "tab\there"])
async def test_invalid_execution_names_are_rejected(name: str) -> None:
    """Names follow AWS's rules: 1-80 characters, no whitespace or special characters."""
    async with Engine(clock=VirtualClock()) as engine:
        with pytest.raises(InvalidName):
            await engine.start_execution(StateMachine.from_definition(HELLO), {}, name=name)


async def test_oversized_task_result_fails_with_data_limit_exceeded() -> None:
    """Results larger than the payload limit fail with States.DataLimitExceeded."""

    @task(FN)
    async def big(payload: Any) -> str:
        return "x" * 2000

    definition = machine(("T", {"Type": "Task", "Resource": FN}))
    execution, _ = await run(definition, {}, tasks=[big], payload_limit=1024)
    assert execution.error == "States.DataLimitExceeded"


async def test_wait_timestamp_waits_until_that_moment() -> None:
    """A Wait with a Timestamp sleeps until then on the engine's clock."""
    clock = VirtualClock()
    definition = machine(("W", {"Type": "Wait", "TimestampPath": "$.at"}))
    execution, _ = await run(definition, {"at": "2024-01-01T01:00:00Z"}, clock=clock)
    assert execution.status == "SUCCEEDED"
    assert clock.elapsed == 3600


async def test_many_executions_run_concurrently() -> None:
    """Executions run side by side: 50 one-hour waits take one virtual hour."""
    clock = VirtualClock()
    machine_ = StateMachine.from_definition(machine(("W", {"Type": "Wait", "Seconds": 3600})))
    async with Engine(clock=clock) as engine:
        executions = [await engine.start_execution(machine_, {"i": i}) for i in range(50)]
        outputs = [await execution.result() for execution in executions]
    assert outputs == [{"i": i} for i in range(50)]
    assert clock.elapsed == 3600


async def test_tasks_may_sleep_on_the_engine_clock() -> None:
    """``ctx.sleep`` uses the engine clock, so tests need no real sleeps."""
    clock = VirtualClock()

    @task(FN)
    async def nap(payload: Any, ctx: TaskContext) -> str:
        await ctx.sleep(600)
        return "rested"

    execution, _ = await run(
        machine(("T", {"Type": "Task", "Resource": FN})), {}, tasks=[nap], clock=clock
    )
    assert execution.output == "rested"
    assert clock.elapsed == 600
