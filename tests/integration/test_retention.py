"""Closed executions leave the engine by its retention policy, so memory stays flat."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest

from orchestra import (
    Engine,
    ExecutionDoesNotExist,
    ExecutionStatus,
    InvalidArgument,
    StateMachine,
    TaskContext,
    TaskTimedOut,
    task,
)
from orchestra.testing import VirtualClock
from tests.helpers import machine

pytestmark = pytest.mark.anyio

PASS = StateMachine.from_definition(machine(("Done", {"Type": "Pass"})), name="quick")
NAP = StateMachine.from_definition(machine(("Nap", {"Type": "Wait", "Seconds": 60})), name="nap")
DAY = 24 * 3600.0


async def test_only_the_newest_closed_executions_are_kept() -> None:
    """Past ``max_closed_executions`` the oldest closed ones are gone, history and all."""
    async with Engine(clock=VirtualClock(), max_closed_executions=3) as engine:
        executions = []
        for number in range(5):
            execution = await engine.start_execution(PASS, {"n": number}, name=f"run-{number}")
            await execution.wait()
            executions.append(execution)
        kept = engine.list_executions(PASS)
        assert [e.name for e in kept] == ["run-4", "run-3", "run-2"]
        for gone in executions[:2]:
            with pytest.raises(ExecutionDoesNotExist, match="Execution Does Not Exist"):
                engine.describe_execution(gone.arn)
            with pytest.raises(ExecutionDoesNotExist):
                await engine.get_execution_history(gone)
        assert len(await engine.get_execution_history(executions[4])) == 4
        # A handle the caller kept still tells how its execution ended.
        assert executions[0].status is ExecutionStatus.SUCCEEDED
        assert await executions[0].result() == {"n": 0}


async def test_running_executions_are_never_dropped() -> None:
    """However many close, running executions stay, and count only once they close."""
    async with Engine(clock=VirtualClock(), max_closed_executions=1) as engine:
        napping = await engine.start_execution(NAP, {}, name="napping")
        for number in range(3):
            await (await engine.start_execution(PASS, {}, name=f"quick-{number}")).wait()
        assert engine.describe_execution(napping.arn) is napping
        assert [e.name for e in engine.list_executions()] == ["quick-2", "napping"]
        await napping.wait()
        assert [e.name for e in engine.list_executions()] == ["napping"]


async def test_closed_executions_leave_after_the_retention_period() -> None:
    """An execution closed longer ago than ``retention_seconds`` is gone, as on AWS."""
    clock = VirtualClock()
    async with Engine(clock=clock, retention_seconds=90 * DAY) as engine:
        old = await engine.start_execution(PASS, {}, name="old")
        await old.wait()
        clock.advance(89 * DAY)
        assert engine.describe_execution(old.arn) is old
        recent = await engine.start_execution(PASS, {}, name="recent")
        await recent.wait()
        clock.advance(2 * DAY)
        with pytest.raises(ExecutionDoesNotExist):
            engine.describe_execution(old.arn)
        assert engine.list_executions() == [recent]


async def test_a_name_may_be_used_again_once_its_execution_has_left() -> None:
    """A Standard name is refused while its execution is kept, and free once it has left."""
    async with Engine(clock=VirtualClock(), max_closed_executions=1) as engine:
        first = await engine.start_execution(PASS, {"n": 1}, name="again")
        await first.wait()
        await (await engine.start_execution(PASS, {}, name="other")).wait()
        second = await engine.start_execution(PASS, {"n": 2}, name="again")
        assert await second.result() == {"n": 2}
        assert second.arn == first.arn
        assert engine.describe_execution(second.arn).input == {"n": 2}


async def test_describe_returns_the_handle_the_caller_holds() -> None:
    """While a caller holds an execution, describing it returns that same object."""
    async with Engine(clock=VirtualClock()) as engine:
        execution = await engine.start_execution(PASS, {})
        await execution.wait()
        assert engine.describe_execution(execution.arn) is execution
        assert engine.list_executions() == [execution]


async def test_the_engine_holds_no_handle_nobody_uses() -> None:
    """Once the caller drops a closed execution's handle, the engine keeps only its record."""
    async with Engine(clock=VirtualClock()) as engine:
        execution = await engine.start_execution(PASS, {"n": 7}, name="dropped")
        await execution.wait()
        arn = execution.arn
        handle = weakref.ref(execution)
        del execution
        gc.collect()
        assert handle() is None
        again = engine.describe_execution(arn)
        assert (again.name, again.status, again.output) == ("dropped", "SUCCEEDED", {"n": 7})


async def test_a_child_keeps_its_parent_after_the_parents_handle_is_dropped() -> None:
    """A child described anew still knows its parent and its root."""
    child_machine = StateMachine.from_definition(machine(("Done", {"Type": "Pass"})), name="kid")
    parent_machine = StateMachine.from_definition(
        machine(
            (
                "Start",
                {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::states:startExecution.sync:2",
                    "Parameters": {
                        "StateMachineArn": "kid",
                        "Input": {
                            "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"
                        },
                    },
                },
            )
        ),
        name="parent",
    )
    async with Engine(clock=VirtualClock(), machines=[child_machine]) as engine:
        parent = await engine.start_execution(parent_machine, {}, name="p")
        await parent.result()
        del parent
        gc.collect()
        (kid,) = engine.list_executions("kid")
        assert kid.parent is not None
        assert (kid.parent.name, kid.root.name) == ("p", "p")


async def test_callback_tokens_of_gone_executions_are_still_refused() -> None:
    """Completing the token of a closed attempt is refused, as on AWS, however long ago."""
    tokens: list[str] = []

    @task("arn:aws:states:::sqs:sendMessage.waitForTaskToken")
    def hand_over(payload: Any, ctx: TaskContext) -> None:
        assert ctx.task_token is not None
        tokens.append(ctx.task_token)

    waits = StateMachine.from_definition(
        machine(
            (
                "Ask",
                {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "TimeoutSeconds": 5,
                },
            )
        ),
        name="asks",
    )
    async with Engine(clock=VirtualClock(), tasks=[hand_over], max_closed_executions=1) as engine:
        for _ in range(3):
            await (await engine.start_execution(waits, {})).wait()
        with pytest.raises(TaskTimedOut):
            await engine.send_task_success(tokens[0], {})


@pytest.mark.parametrize(
    "options",
    [
        {"max_closed_executions": 0},
        {"max_closed_executions": True},
        {"retention_seconds": 0},
        {"retention_seconds": float("nan")},
    ],
)
async def test_retention_options_are_checked(options: dict[str, Any]) -> None:
    """A retention limit that is not a positive number is refused at once."""
    with pytest.raises(InvalidArgument):
        Engine(**options)


async def test_a_deep_family_is_described_anew_without_recursion() -> None:
    """A child 1,100 generations down, described after every handle was dropped, still
    knows its root."""
    deep = 1_100
    nested = StateMachine.from_definition(
        {
            "StartAt": "Deeper",
            "States": {
                "Deeper": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.depth", "NumericLessThan": deep, "Next": "Child"}],
                    "Default": "Bottom",
                },
                "Child": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::states:startExecution.sync:2",
                    "Parameters": {
                        "StateMachineArn": "nested",
                        "Input": {
                            "depth.$": "States.MathAdd($.depth, 1)",
                            "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id",
                        },
                    },
                    "ResultSelector": {"Status.$": "$.Status"},
                    "End": True,
                },
                "Bottom": {"Type": "Succeed"},
            },
        },
        name="nested",
    )
    async with Engine(
        clock=VirtualClock(), machines=[nested], max_closed_executions=2_000
    ) as engine:
        root = await engine.start_execution(nested, {"depth": 1}, name="root")
        await root.result()
        del root
        gc.collect()
        (bottom,) = [e for e in engine.list_executions("nested") if e.input["depth"] == deep]
        assert bottom.root.name == "root"
