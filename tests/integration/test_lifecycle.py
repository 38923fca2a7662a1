"""The execution lifecycle: start rules, stop, listing, Express and Standard executions."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import anyio.to_thread
import pytest

from orchestra import (
    DefinitionError,
    Engine,
    EngineError,
    ExecutionAlreadyExists,
    ExecutionDoesNotExist,
    InvalidName,
    StateMachine,
    StateMachineTypeNotSupported,
    TaskContext,
    task,
)
from orchestra.testing import VirtualClock
from tests.helpers import machine

pytestmark = pytest.mark.anyio

WORK = "arn:aws:lambda:us-east-1:123456789012:function:work"
NAP = machine(("Nap", {"Type": "Wait", "Seconds": 60}))


def standard(definition: dict[str, Any] = NAP, name: str = "standard") -> StateMachine:
    return StateMachine.from_definition(definition, name=name)


def express(definition: dict[str, Any] = NAP, name: str = "express") -> StateMachine:
    return StateMachine.from_definition(definition, name=name, type="EXPRESS")


@pytest.mark.parametrize("name", ["a", "a" * 80, "order-1_B.2"])
async def test_names_of_1_to_80_allowed_characters_are_accepted(name: str) -> None:
    """Names of 1 to 80 characters without AWS's forbidden characters start."""
    async with Engine(clock=VirtualClock()) as engine:
        execution = await engine.start_execution(standard(), {}, name=name)
        assert execution.name == name
        await execution.wait()


@pytest.mark.parametrize("name", ["a" * 81, "new\nline", "a/b", "what?", "x*", "$money", "a:b"])
async def test_names_breaking_aws_rules_are_refused(name: str) -> None:
    """A name that is too long or holds a forbidden character raises InvalidName."""
    async with Engine(clock=VirtualClock()) as engine:
        with pytest.raises(InvalidName, match="Invalid Name"):
            await engine.start_execution(standard(), {}, name=name)


async def test_a_standard_name_is_idempotent_while_running_with_the_same_input() -> None:
    """The same name and input returns the running execution; another input is refused."""
    async with Engine(clock=VirtualClock()) as engine:
        first = await engine.start_execution(standard(), {"n": 1}, name="job")
        assert await engine.start_execution(standard(), {"n": 1}, name="job") is first
        with pytest.raises(ExecutionAlreadyExists, match="Execution Already Exists"):
            await engine.start_execution(standard(), {"n": 2}, name="job")
        await first.wait()
        with pytest.raises(ExecutionAlreadyExists):
            await engine.start_execution(standard(), {"n": 1}, name="job")


async def test_express_names_are_not_idempotent() -> None:
    """Two Express executions may share a name: each gets its own ARN."""
    async with Engine(clock=VirtualClock()) as engine:
        first = await engine.start_execution(express(), {"n": 1}, name="job")
        second = await engine.start_execution(express(), {"n": 2}, name="job")
        assert first is not second
        assert first.arn != second.arn
        assert ":express:express:job:" in first.arn
        await first.wait()
        await second.wait()


async def test_stop_execution_aborts_with_error_and_cause() -> None:
    """A stopped execution ends ABORTED; its history records the error and the cause."""
    cancelled = anyio.Event()
    started = anyio.Event()

    @task(WORK)
    async def work(payload: Any) -> None:
        started.set()
        try:
            await anyio.sleep_forever()
        finally:
            cancelled.set()

    definition = machine(("Work", {"Type": "Task", "Resource": WORK}))
    async with Engine(tasks=[work], clock=VirtualClock()) as engine:
        execution = await engine.start_execution(standard(definition), {})
        await started.wait()
        stopped = await engine.stop_execution(execution, "Operator.Stop", "not needed")
        assert stopped is execution
        assert cancelled.is_set()
        events = await engine.get_execution_history(execution)
    assert (execution.status, execution.error, execution.cause) == (
        "ABORTED",
        "Operator.Stop",
        "not needed",
    )
    assert [e.type for e in events][-2:] == ["TaskStateAborted", "ExecutionAborted"]
    assert events[-1].to_dict()["executionAbortedEventDetails"] == {
        "error": "Operator.Stop",
        "cause": "not needed",
    }


async def test_stop_without_a_reason_records_empty_details() -> None:
    """``stop_execution(execution)`` records ExecutionAborted with no error or cause."""
    async with Engine(clock=VirtualClock()) as engine:
        execution = await engine.start_execution(standard(), {})
        await engine.stop_execution(execution.arn)
        events = await engine.get_execution_history(execution)
    assert (execution.status, execution.error, execution.cause) == ("ABORTED", None, None)
    assert events[-1].type == "ExecutionAborted"
    assert events[-1].details == {}


async def test_stop_does_not_wait_for_a_sync_task_that_ignores_it() -> None:
    """A stop moves on at once; the task's thread sees ``ctx.cancelled`` and is abandoned."""
    started, release, finished = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    @task(WORK)
    def work(payload: Any, ctx: TaskContext) -> str:
        started.set()
        release.wait(5)
        seen.append(ctx.cancelled)
        finished.set()
        return "too late"

    definition = machine(("Work", {"Type": "Task", "Resource": WORK}))
    async with Engine(tasks=[work], clock=VirtualClock()) as engine:
        execution = await engine.start_execution(standard(definition), {})
        with anyio.fail_after(2):
            assert await anyio.to_thread.run_sync(started.wait, 2)
            await engine.stop_execution(execution)
        assert (execution.status, seen) == ("ABORTED", [])
        release.set()
        assert await anyio.to_thread.run_sync(finished.wait, 2)
        events = await engine.get_execution_history(execution)
    assert seen == [True]
    assert (execution.status, execution.output) == ("ABORTED", None)
    assert events[-1].type == "ExecutionAborted"


async def test_stopping_one_execution_leaves_the_others_running() -> None:
    """Each execution has its own cancel scope."""
    async with Engine(clock=VirtualClock()) as engine:
        stopped = await engine.start_execution(standard(), {"i": 1})
        kept = await engine.start_execution(standard(), {"i": 2})
        await engine.stop_execution(stopped)
        assert kept.status == "RUNNING"
        assert await kept.result() == {"i": 2}
    assert stopped.status == "ABORTED"


async def test_stopping_a_closed_execution_changes_nothing() -> None:
    """Stop is a no-op once an execution has closed."""
    async with Engine(clock=VirtualClock()) as engine:
        execution = await engine.start_execution(standard(), {})
        await execution.wait()
        await engine.stop_execution(execution, "Late")
        events = await engine.get_execution_history(execution)
    assert (execution.status, execution.error) == ("SUCCEEDED", None)
    assert events[-1].type == "ExecutionSucceeded"


async def test_stopping_an_unknown_execution_raises() -> None:
    """Only the engine's own executions can be stopped."""
    async with Engine(clock=VirtualClock()) as engine:
        with pytest.raises(ExecutionDoesNotExist, match="Execution Does Not Exist"):
            await engine.stop_execution("arn:aws:states:us-east-1:1:execution:x:y")


async def test_list_executions_newest_first_by_machine_and_status() -> None:
    """``list_executions`` filters by machine and status and puts the newest first."""
    failing = standard(machine(("Boom", {"Type": "Fail", "Error": "E"})), name="failing")
    async with Engine(clock=VirtualClock()) as engine:
        one = await engine.start_execution(standard(), {}, name="one")
        two = await engine.start_execution(standard(), {}, name="two")
        bad = await engine.start_execution(failing, {}, name="bad")
        await bad.wait()
        assert engine.list_executions(standard()) == [two, one]
        assert engine.list_executions("standard", status="RUNNING") == [two, one]
        assert engine.list_executions() == [bad, two, one]
        await engine.stop_execution(one)
        assert engine.list_executions(standard(), status="ABORTED") == [one]
        assert engine.list_executions(
            "arn:aws:states:us-east-1:123456789012:stateMachine:failing", status="FAILED"
        ) == [bad]
        with pytest.raises(ValueError, match="DONE"):
            engine.list_executions(status="DONE")


async def test_start_sync_execution_returns_how_an_express_execution_ended() -> None:
    """``start_sync_execution`` waits and returns status, output, error and cause."""
    hello = express(machine(("Hi", {"Type": "Pass", "Result": "hello"})))
    broken = express(machine(("Boom", {"Type": "Fail", "Error": "E", "Cause": "c"})), name="b")
    async with Engine(clock=VirtualClock()) as engine:
        done = await engine.start_sync_execution(hello, {"a": 1}, name="hi")
        failed = await engine.start_sync_execution(broken)
    assert (done.status, done.output, done.error, done.name) == ("SUCCEEDED", "hello", None, "hi")
    assert done.input == {"a": 1}
    assert done.state_machine_arn == "arn:aws:states:us-east-1:123456789012:stateMachine:express"
    assert done.execution_arn == done.execution.arn
    assert done.stop_date is not None
    assert done.start_date <= done.stop_date
    assert (failed.status, failed.output, failed.error, failed.cause) == ("FAILED", None, "E", "c")


async def test_express_executions_time_out_after_five_minutes() -> None:
    """Express executions are limited to five minutes (``express_timeout``)."""
    clock = VirtualClock()
    long_wait = express(machine(("Nap", {"Type": "Wait", "Seconds": 3600})))
    async with Engine(clock=clock) as engine:
        result = await engine.start_sync_execution(long_wait)
    assert (result.status, result.error) == ("TIMED_OUT", "States.Timeout")
    assert clock.elapsed == 300
    async with Engine(clock=VirtualClock(), express_timeout=30) as engine:
        assert (await engine.start_sync_execution(long_wait)).status == "TIMED_OUT"


async def test_start_sync_execution_needs_an_express_machine() -> None:
    """StartSyncExecution on a Standard machine raises StateMachineTypeNotSupported."""
    async with Engine(clock=VirtualClock()) as engine:
        with pytest.raises(StateMachineTypeNotSupported, match="STANDARD"):
            await engine.start_sync_execution(standard())


async def test_express_executions_keep_no_history_unless_asked() -> None:
    """Express executions record no events unless ``express_history=True``."""
    hello = express(machine(("Hi", {"Type": "Pass"})))
    async with Engine(clock=VirtualClock()) as engine:
        result = await engine.start_sync_execution(hello)
        assert await engine.get_execution_history(result.execution) == []
    async with Engine(clock=VirtualClock(), express_history=True) as engine:
        result = await engine.start_sync_execution(hello)
        events = await engine.get_execution_history(result.execution)
    assert [e.type for e in events] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]


async def test_causes_name_event_ids_without_an_express_history() -> None:
    """Causes still name the event id a state was entered at when no history is kept."""
    broken = express(machine(("Pick", {"Type": "Pass", "InputPath": "$.missing"})))
    async with Engine(clock=VirtualClock()) as engine:
        result = await engine.start_sync_execution(broken, {})
    assert result.cause is not None
    assert "(entered at the event id #2)" in result.cause


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        (
            "arn:aws:states:::states:startExecution.sync",
            "Express state machine does not support '.sync' service integration",
        ),
        (
            "arn:aws:states:::states:startExecution.sync:2",
            "Express state machine does not support '.sync' service integration",
        ),
        (
            "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Express state machine does not support '.waitForTaskToken' service integration",
        ),
    ],
)
def test_express_machines_reject_sync_and_callbacks(resource: str, message: str) -> None:
    """``.sync`` and ``.waitForTaskToken`` are refused in Express machines at definition time."""
    definition = machine(("T", {"Type": "Task", "Resource": resource}))
    standard(definition)
    with pytest.raises(DefinitionError) as caught:
        express(definition)
    (problem,) = caught.value.diagnostics
    assert problem.pointer == "/States/T/Resource"
    assert problem.message.startswith(message)


async def test_express_machines_may_start_children_without_waiting() -> None:
    """An Express machine may use the plain ``startExecution`` integration."""
    starter = express(
        machine(
            (
                "Start",
                {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::states:startExecution",
                    "Parameters": {"StateMachineArn": "standard"},
                },
            )
        )
    )
    async with Engine(machines=[standard()], clock=VirtualClock()) as engine:
        result = await engine.start_sync_execution(starter)
        assert result.status == "SUCCEEDED"
        (child,) = engine.list_executions("standard")
        assert result.output["ExecutionArn"] == child.arn
        await child.wait()


async def test_cancelling_start_sync_execution_stops_the_execution() -> None:
    """A caller that gives up on ``start_sync_execution`` stops the Express execution."""
    started = anyio.Event()

    @task(WORK)
    async def work(payload: Any) -> None:
        started.set()
        await anyio.sleep_forever()

    slow = express(machine(("Work", {"Type": "Task", "Resource": WORK})))
    async with Engine(tasks=[work], clock=VirtualClock()) as engine:
        async with anyio.create_task_group() as group:
            group.start_soon(engine.start_sync_execution, slow)
            await started.wait()
            group.cancel_scope.cancel()
        (execution,) = engine.list_executions(slow)
    assert execution.status == "ABORTED"


async def test_start_refuses_an_input_that_is_not_json() -> None:
    """An input that cannot be JSON is refused before anything starts."""
    async with Engine(clock=VirtualClock()) as engine:
        with pytest.raises(EngineError, match="not JSON"):
            await engine.start_execution(standard(), {"when": object()})
        assert engine.list_executions() == []
