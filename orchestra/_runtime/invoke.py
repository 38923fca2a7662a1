"""Calling a task function: async or in a worker thread, under a timeout and a heartbeat.

This is where data crosses into user code: the task gets its own copy of its input, so
nothing it does to it reaches the history, a retry, the state's output or a sibling; and
whatever it raises or returns becomes a failure value, never an exception in the engine.

A timed-out or cancelled async task is cancelled. A sync task in a worker thread cannot be
killed: its ``ctx.cancelled`` becomes true and the state moves on at once, abandoning the
thread (whatever it returns later is discarded). A callback task (``.waitForTaskToken``)
then waits for its token under the same timeout and heartbeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anyio
import anyio.lowlevel
import anyio.to_thread

from .. import errors
from .._observability.telemetry import TaskScope
from .._query import jsondata
from .._states.run import (
    MAX_CAUSE_LENGTH,
    MAX_ERROR_LENGTH,
    Run,
    describe_exception_value,
    failure_text,
    passes_through,
)
from ..errors import TaskFailed
from .callbacks import Callback, Submission, record_submitted
from .tasks import TaskContext, TaskSpec


@dataclass(slots=True)
class Invocation:
    """One call of a task."""

    spec: TaskSpec
    payload: Any
    run: Run
    state_name: str
    retry_count: int
    timeout: float | None
    heartbeat: float | None
    callback: Callback | None = None


@dataclass(slots=True)
class CallOutcome:
    """What came of a call: a result, a failure ``(error, cause)``, or a timeout error name."""

    result: Any = None
    failure: tuple[str | None, str | None] | None = None
    timed_out: str | None = None
    exception: Exception | None = None


async def invoke_task(invocation: Invocation) -> CallOutcome:
    """Call the task once; never raises for the task's own failures."""
    with TaskScope(invocation) as scope:
        try:
            outcome = await _invoke(invocation)
        finally:
            if invocation.callback is not None:
                invocation.callback.close()
        scope.record(outcome)
    return outcome


async def _invoke(invocation: Invocation) -> CallOutcome:
    run = invocation.run
    clock = run.clock
    beats: list[anyio.Event] = [anyio.Event()]

    def heartbeat() -> None:
        beats[0].set()

    callback = invocation.callback
    if callback is not None:
        callback.attach_heartbeat(heartbeat)
    context = TaskContext(
        execution_name=run.execution_name,
        execution_arn=run.execution_arn,
        root_execution_name=run.root_execution_name,
        state_name=invocation.state_name,
        retry_count=invocation.retry_count,
        task_token=None if callback is None else callback.token,
        heartbeat=heartbeat,
        sleep=clock.sleep,
    )
    outcome = CallOutcome()
    heartbeat_missed = False

    async def watch_heartbeat(seconds: float, scope: anyio.CancelScope) -> None:
        nonlocal heartbeat_missed
        while True:
            with clock.timeout(seconds) as timer:
                await beats[0].wait()
            if timer.cancelled_caught:
                heartbeat_missed = True
                scope.cancel()
                return
            beats[0] = anyio.Event()

    work = _call if callback is None else _call_back
    if invocation.heartbeat is None and invocation.timeout is None:
        # The common case needs no scope and no watcher: each costs a cancellation later.
        await work(invocation, context, outcome)
        return outcome
    with clock.timeout(invocation.timeout) as deadline:
        if invocation.heartbeat is None:
            await work(invocation, context, outcome)
        else:
            async with anyio.create_task_group() as group:
                group.start_soon(watch_heartbeat, invocation.heartbeat, group.cancel_scope)
                await work(invocation, context, outcome)
                group.cancel_scope.cancel()
    if heartbeat_missed:
        return CallOutcome(timed_out=errors.HEARTBEAT_TIMEOUT)
    if deadline.cancelled_caught:
        return CallOutcome(timed_out=errors.TIMEOUT)
    return outcome


async def _call(invocation: Invocation, context: TaskContext, outcome: CallOutcome) -> None:
    spec = invocation.spec
    # The task's own copy: it may change it at will, now or from a thread after a timeout.
    payload = jsondata.copy(invocation.payload)
    try:
        if spec.is_async:
            if spec.takes_context:
                outcome.result = await spec.fn(payload, context)
            else:
                outcome.result = await spec.fn(payload)
        else:
            outcome.result = await _call_in_thread(spec, payload, context, invocation.run)
    except TaskFailed as exc:
        outcome.failure = (
            failure_text(exc.error, MAX_ERROR_LENGTH),
            failure_text(exc.cause, MAX_CAUSE_LENGTH),
        )
        outcome.exception = exc
    except Exception as exc:  # noqa: BLE001 - the task boundary: any task error is a failure value
        outcome.failure = _failure_of(exc)
        outcome.exception = exc
    except BaseException as exc:
        if passes_through(exc):
            raise
        outcome.failure = _failure_of(exc)
    else:
        submission = outcome.result
        if type(submission) is Submission:
            record_submitted(invocation.run, submission.details, submission.output)
            outcome.result, outcome.failure = await submission.wait()


async def _call_back(invocation: Invocation, context: TaskContext, outcome: CallOutcome) -> None:
    """Hand the work over, then wait for the token to be completed.

    The task's return value only goes into the history (TaskSubmitted); a task that fails
    to hand the work over fails the state at once.
    """
    callback = invocation.callback
    assert callback is not None
    await _call(invocation, context, outcome)
    if outcome.failure is not None:
        return
    callback.submitted(outcome.result)
    outcome.result, outcome.failure = await callback.wait()


def _failure_of(exc: BaseException) -> tuple[str | None, str | None]:
    """An exception from task code as ``(error, cause)``: its class name and its message."""
    return type(exc).__name__[:MAX_ERROR_LENGTH], describe_exception_value(exc)[:MAX_CAUSE_LENGTH]


async def _call_in_thread(spec: TaskSpec, payload: Any, context: TaskContext, run: Run) -> Any:
    def call() -> Any:
        if spec.takes_context:
            return spec.fn(payload, context)
        return spec.fn(payload)

    try:
        # A thread cannot be killed: on a timeout, a stop or a sibling's failure the state
        # moves on at once, and the thread finishes (or not) on its own; ctx.cancelled tells
        # it to stop. It keeps its place in the thread limiter until it returns.
        return await anyio.to_thread.run_sync(
            call, limiter=run.thread_limiter, abandon_on_cancel=True
        )
    except anyio.get_cancelled_exc_class():
        context._cancelled = True
        raise
