"""Parallel and Map: concurrency limits, fail-fast cancellation, tolerated failures."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from orchestra import Engine, StateMachine, TaskContext, TaskFailed, task
from orchestra.testing import VirtualClock
from tests.helpers import run

pytestmark = pytest.mark.anyio

WORK = "arn:aws:lambda:us-east-1:123456789012:function:work"
FAIL = "arn:aws:lambda:us-east-1:123456789012:function:fail"


def map_machine(**fields: Any) -> dict[str, Any]:
    return {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "Work",
                    "States": {"Work": {"Type": "Task", "Resource": WORK, "End": True}},
                },
                "End": True,
                **fields,
            }
        },
    }


async def test_parallel_outputs_follow_branch_order() -> None:
    """Branch outputs come back in branch order, whatever order they finish in."""

    @task(WORK)
    async def work(payload: Any, ctx: TaskContext) -> Any:
        await ctx.sleep(10 - payload["n"])
        return payload["n"]

    branches = [
        {
            "StartAt": f"B{n}",
            "States": {
                f"B{n}": {"Type": "Task", "Resource": WORK, "Parameters": {"n": n}, "End": True}
            },
        }
        for n in range(4)
    ]
    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "Branches": branches, "End": True}},
    }
    clock = VirtualClock()
    execution, history = await run(definition, {}, tasks=[work], clock=clock)
    assert execution.output == [0, 1, 2, 3]
    assert clock.elapsed == 10
    assert [e.type for e in history][1:3] == ["ParallelStateEntered", "ParallelStateStarted"]


async def test_parallel_fails_fast_and_cancels_sleeping_branches() -> None:
    """A failing branch ends the state at once; a sibling's 10 s task is cancelled."""
    cancelled: list[bool] = []
    finished: list[bool] = []

    @task(WORK)
    async def sleepy(payload: Any) -> None:
        try:
            await anyio.sleep(10)
            finished.append(True)
        except anyio.get_cancelled_exc_class():
            cancelled.append(True)
            raise

    @task(FAIL)
    async def fail_soon(payload: Any) -> None:
        await anyio.sleep(0.05)
        raise TaskFailed("Broken", "branch two broke")

    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "S",
                        "States": {"S": {"Type": "Task", "Resource": WORK, "End": True}},
                    },
                    {
                        "StartAt": "F",
                        "States": {"F": {"Type": "Task", "Resource": FAIL, "End": True}},
                    },
                ],
                "End": True,
            }
        },
    }
    machine = StateMachine.from_definition(definition)
    start = anyio.current_time()
    async with Engine(tasks=[sleepy, fail_soon]) as engine:
        execution = await engine.start_execution(machine, {})
        await execution.wait()
        events = [e.type for e in await engine.get_execution_history(execution)]
    assert anyio.current_time() - start < 0.5
    assert (execution.error, execution.cause) == ("Broken", "branch two broke")
    assert cancelled == [True]
    assert finished == []
    assert "TaskStateAborted" in events
    assert events[-2:] == ["ParallelStateFailed", "ExecutionFailed"]


async def test_map_never_runs_more_than_max_concurrency() -> None:
    """With MaxConcurrency 3, at most 3 of 20 iterations run at any moment."""
    running = 0
    peak = 0

    @task(WORK)
    async def work(payload: Any, ctx: TaskContext) -> Any:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await ctx.sleep(1 + payload % 3)
        running -= 1
        return payload * 2

    execution, _ = await run(map_machine(MaxConcurrency=3), list(range(20)), tasks=[work])
    assert execution.output == [n * 2 for n in range(20)]
    assert peak == 3


async def test_queued_iterations_never_start_after_a_failure() -> None:
    """Once an iteration fails, no queued iteration starts and running ones stop."""
    started: list[int] = []

    @task(WORK)
    async def work(payload: Any, ctx: TaskContext) -> Any:
        started.append(payload)
        if payload == 1:
            raise TaskFailed("ItemFailed", "item 1")
        await ctx.sleep(100)
        return payload

    execution, history = await run(map_machine(MaxConcurrency=2), list(range(10)), tasks=[work])
    assert execution.error == "ItemFailed"
    assert sorted(started) == [0, 1]
    types = [e.type for e in history]
    assert "MapIterationFailed" in types
    assert "MapIterationAborted" in types
    assert types[-2:] == ["MapStateFailed", "ExecutionFailed"]


async def test_map_item_context_and_selector() -> None:
    """ItemSelector sees $$.Map.Item.Index and Value; output keeps item order."""
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.things",
                "ItemSelector": {
                    "i.$": "$$.Map.Item.Index",
                    "v.$": "$$.Map.Item.Value",
                    "k.$": "$.k",
                },
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "ResultPath": "$.out",
                "End": True,
            }
        },
    }
    execution, _ = await run(definition, {"things": ["a", "b"], "k": 7})
    assert execution.output["out"] == [{"i": 0, "v": "a", "k": 7}, {"i": 1, "v": "b", "k": 7}]


def failing_items(failures: int, total: int) -> tuple[Any, list[int]]:
    @task(WORK)
    async def work(payload: Any) -> Any:
        if payload < failures:
            raise TaskFailed("ItemFailed", f"item {payload}")
        return payload

    return work, list(range(total))


@pytest.mark.parametrize(
    ("failures", "tolerated", "status"),
    [(2, 2, "SUCCEEDED"), (3, 2, "FAILED"), (0, 0, "SUCCEEDED"), (1, 0, "FAILED")],
)
async def test_tolerated_failure_count_at_and_past_the_threshold(
    failures: int, tolerated: int, status: str
) -> None:
    """Exactly ToleratedFailureCount failures pass; one more fails the state."""
    work, items = failing_items(failures, 10)
    execution, _ = await run(
        map_machine(ToleratedFailureCount=tolerated, MaxConcurrency=1), items, tasks=[work]
    )
    assert execution.status == status
    if status == "FAILED":
        assert execution.error == "States.ExceedToleratedFailureThreshold"
    else:
        assert execution.output[failures:] == items[failures:]
        assert all(out["Error"] == "ItemFailed" for out in execution.output[:failures])


@pytest.mark.parametrize(
    ("failures", "percentage", "status"),
    [(2, 20, "SUCCEEDED"), (3, 20, "FAILED"), (5, 50, "SUCCEEDED"), (6, 50, "FAILED")],
)
async def test_tolerated_failure_percentage_at_and_past_the_threshold(
    failures: int, percentage: float, status: str
) -> None:
    """Failures up to ToleratedFailurePercentage of the items pass; more fail the state."""
    work, items = failing_items(failures, 10)
    execution, _ = await run(
        map_machine(ToleratedFailurePercentage=percentage, MaxConcurrency=1), items, tasks=[work]
    )
    assert execution.status == status


async def test_map_retry_reruns_every_iteration() -> None:
    """A Retry on the Map state runs the whole Map again."""
    calls: list[int] = []

    @task(WORK)
    async def work(payload: Any) -> Any:
        calls.append(payload)
        if len(calls) < 3:
            raise TaskFailed("Flaky", "not yet")
        return payload

    definition = map_machine(MaxConcurrency=1, Retry=[{"ErrorEquals": ["Flaky"], "MaxAttempts": 3}])
    execution, history = await run(definition, [5, 6], tasks=[work])
    assert execution.output == [5, 6]
    assert [e.type for e in history].count("MapStateStarted") == 3


async def test_map_over_a_non_array_is_a_runtime_error() -> None:
    """ItemsPath must select an array."""
    execution, _ = await run(map_machine(), {"not": "a list"})
    assert execution.error == "States.Runtime"


async def test_engine_exit_cancels_map_iterations() -> None:
    """Nothing a Map started outlives the engine."""
    finished: list[int] = []
    started = anyio.Event()

    @task(WORK)
    async def work(payload: Any) -> None:
        started.set()
        await anyio.sleep(10)
        finished.append(payload)

    machine = StateMachine.from_definition(map_machine(MaxConcurrency=5))
    with anyio.fail_after(2):
        async with Engine(tasks=[work]) as engine:
            execution = await engine.start_execution(machine, list(range(50)))
            await started.wait()
    assert execution.status == "ABORTED"
    assert finished == []


@pytest.mark.parametrize(
    ("field", "error"),
    [
        ({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject"}}, "States.ItemReaderFailed"),
        (
            {"ResultWriter": {"Resource": "arn:aws:states:::s3:putObject"}},
            "States.ResultWriterFailed",
        ),
    ],
)
async def test_s3_item_reader_and_result_writer_fail_clearly(
    field: dict[str, Any], error: str
) -> None:
    """A Map reading items from or writing results to S3 fails with a clear error, for now."""
    execution, _ = await run(map_machine(**field), [1])
    assert execution.error == error
    assert execution.cause is not None
    assert "not supported yet" in execution.cause
