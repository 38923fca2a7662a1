"""Retry and Catch, matched and timed as AWS does, on a virtual clock."""

from __future__ import annotations

from typing import Any

import pytest

from orchestra import TaskContext, TaskFailed, task
from orchestra.testing import VirtualClock
from tests.helpers import machine, run

pytestmark = pytest.mark.anyio

FN = "arn:aws:lambda:us-east-1:123456789012:function:flaky"


def failing(error: str, *, succeed_on: int | None = None) -> Any:
    attempts: list[float] = []

    @task(FN)
    async def flaky(payload: Any, ctx: TaskContext) -> str:
        attempts.append(ctx.retry_count)
        if succeed_on is not None and ctx.retry_count >= succeed_on:
            return "ok"
        raise TaskFailed(error, f"attempt {ctx.retry_count}")

    flaky.attempts = attempts  # type: ignore[attr-defined]
    return flaky


def task_with(**fields: Any) -> dict[str, Any]:
    return machine(
        ("T", {"Type": "Task", "Resource": FN, **fields}),
        ("After", {"Type": "Pass"}),
    )


async def test_backoff_grows_by_rate_and_is_capped() -> None:
    """Intervals follow IntervalSeconds x BackoffRate^n, capped by MaxDelaySeconds."""
    fn = failing("Busy", succeed_on=4)
    clock = VirtualClock()
    retry = [
        {
            "ErrorEquals": ["Busy"],
            "IntervalSeconds": 2,
            "BackoffRate": 3,
            "MaxAttempts": 5,
            "MaxDelaySeconds": 10,
        }
    ]
    execution, _ = await run(task_with(Retry=retry), {}, tasks=[fn], clock=clock)
    assert execution.output == "ok"
    assert fn.attempts == [0, 1, 2, 3, 4]
    assert clock.elapsed == 2 + 6 + 10 + 10


async def test_retries_stop_after_max_attempts() -> None:
    """After MaxAttempts retries the failure stands."""
    fn = failing("Busy")
    execution, _ = await run(
        task_with(Retry=[{"ErrorEquals": ["Busy"], "MaxAttempts": 2}]), {}, tasks=[fn]
    )
    assert fn.attempts == [0, 1, 2]
    assert (execution.error, execution.cause) == ("Busy", "attempt 2")


async def test_max_attempts_zero_never_retries() -> None:
    """MaxAttempts 0 means the rule matches but never retries."""
    fn = failing("Busy")
    await run(task_with(Retry=[{"ErrorEquals": ["Busy"], "MaxAttempts": 0}]), {}, tasks=[fn])
    assert fn.attempts == [0]


async def test_first_matching_retrier_wins() -> None:
    """Retriers are tried in order; the first that matches decides."""
    fn = failing("Busy")
    retry = [
        {"ErrorEquals": ["Busy"], "MaxAttempts": 1},
        {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5},
    ]
    await run(task_with(Retry=retry), {}, tasks=[fn])
    assert fn.attempts == [0, 1]


async def test_full_jitter_never_waits_longer_than_the_backoff() -> None:
    """JitterStrategy FULL waits a random share of each interval."""
    fn = failing("Busy", succeed_on=3)
    clock = VirtualClock()
    retry = [{"ErrorEquals": ["Busy"], "IntervalSeconds": 4, "JitterStrategy": "FULL"}]
    await run(task_with(Retry=retry), {}, tasks=[fn], clock=clock)
    assert 0 <= clock.elapsed <= 4 + 8 + 16


async def test_catch_routes_the_error_output() -> None:
    """A caught error goes to the catcher's Next with {Error, Cause} at its ResultPath."""
    fn = failing("Payment.Declined")
    definition = machine(
        (
            "T",
            {
                "Type": "Task",
                "Resource": FN,
                "Catch": [
                    {"ErrorEquals": ["Other"], "Next": "Wrong"},
                    {"ErrorEquals": ["Payment.Declined"], "ResultPath": "$.err", "Next": "Handle"},
                ],
                "Next": "Wrong",
            },
        ),
        ("Wrong", {"Type": "Fail", "Error": "Wrong"}),
        ("Handle", {"Type": "Pass"}),
    )
    execution, history = await run(definition, {"order": 1}, tasks=[fn])
    assert execution.output == {
        "order": 1,
        "err": {"Error": "Payment.Declined", "Cause": "attempt 0"},
    }
    assert [e.type for e in history][4:7] == [
        "LambdaFunctionFailed",
        "TaskStateExited",
        "PassStateEntered",
    ]


async def test_task_failed_matches_everything_but_timeout() -> None:
    """States.TaskFailed catches task errors, not States.Timeout."""

    @task(FN)
    async def slow(payload: Any, ctx: TaskContext) -> None:
        await ctx.sleep(100)

    catch = [{"ErrorEquals": ["States.TaskFailed"], "Next": "After"}]
    timed_out, _ = await run(task_with(TimeoutSeconds=1, Catch=catch), {}, tasks=[slow])
    assert timed_out.error == "States.Timeout"
    caught, _ = await run(task_with(Catch=catch), {}, tasks=[failing("Anything")])
    assert caught.status == "SUCCEEDED"


async def test_states_all_catches_timeouts() -> None:
    """States.ALL catches States.Timeout, with an empty Cause."""

    @task(FN)
    async def slow(payload: Any, ctx: TaskContext) -> None:
        await ctx.sleep(100)

    catch = [{"ErrorEquals": ["States.ALL"], "Next": "After"}]
    execution, _ = await run(task_with(TimeoutSeconds=1, Catch=catch), {}, tasks=[slow])
    assert execution.output == {"Error": "States.Timeout", "Cause": ""}


async def test_runtime_errors_are_never_caught() -> None:
    """States.Runtime ends the execution even when a Catch names it."""

    @task(FN)
    async def fine(payload: Any) -> dict[str, Any]:
        return {}

    catch = [{"ErrorEquals": ["States.Runtime"], "Next": "After"}]
    retry = [{"ErrorEquals": ["States.ALL"]}]
    execution, _ = await run(
        task_with(OutputPath="$.missing", Catch=catch, Retry=retry), {}, tasks=[fine]
    )
    assert execution.error == "States.Runtime"


async def test_retry_count_reaches_the_context_object() -> None:
    """``$$.State.RetryCount`` counts the attempts of the current state."""
    seen: list[Any] = []

    @task(FN)
    async def count(payload: Any) -> None:
        seen.append(payload["retry"])
        if len(seen) < 3:
            raise TaskFailed("Again")

    definition = task_with(
        Parameters={"retry.$": "$$.State.RetryCount"},
        Retry=[{"ErrorEquals": ["Again"], "IntervalSeconds": 1}],
    )
    await run(definition, {}, tasks=[count])
    assert seen == [0, 1, 2]
