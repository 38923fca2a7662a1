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

from typing import Any, cast

import anyio
import anyio.lowlevel
import anyio.to_thread

from .. import errors
from .._definition.resources import Target
from .._observability.tasks import TaskScope
from .._observability.telemetry import Telemetry
from .._query import jsondata
from .._states.guards import (
    MAX_CAUSE_LENGTH,
    MAX_ERROR_LENGTH,
    describe_exception_value,
    failure_text,
    passes_through,
)
from .._states.run import CallOutcome, Run, TaskCall
from ..errors import TaskFailed
from .callbacks import Callback, CallbackRegistry, Submission, record_submitted, unbound_callback
from .tasks import TaskContext, TaskRegistry, TaskSpec


class TaskService:
    """The engine's tasks, as Task states call them (the states' ``TaskPort``).

    Args:
        registry: the bound ``@task`` functions.
        callbacks: the engine's task tokens.
        telemetry: where task spans, logs and metrics go.
    """

    __slots__ = ("callbacks", "limiter", "registry", "telemetry")

    def __init__(
        self, registry: TaskRegistry, callbacks: CallbackRegistry, telemetry: Telemetry
    ) -> None:
        self.registry = registry
        self.callbacks = callbacks
        self.telemetry = telemetry
        # Made as the engine starts: a limiter belongs to one event loop.
        self.limiter: anyio.CapacityLimiter | None = None

    def find(self, target: Target, function: str | None = None) -> TaskSpec | None:
        """The task serving ``target``: for ``lambda:invoke``, the one serving ``function``."""
        if target.kind == "lambda_invoke":
            return None if function is None else self.registry.for_function(function)
        spec = self.registry.for_resource(target.resource)
        if spec is None and target.kind != "lambda":
            spec = unbound_callback(target)
        return spec

    def open_callback(self, run: Run, target: Target) -> Callback:
        """A new open token for one attempt of a callback Task state."""
        return self.callbacks.issue(run, target)

    async def call(self, call: TaskCall) -> CallOutcome:
        """Call the task once; never raises for the task's own failures."""
        with TaskScope(self.telemetry, call) as scope:
            try:
                outcome = await _invoke(call, self.limiter)
            finally:
                if call.callback is not None:
                    self.callbacks.close_token(call.callback.token)
            scope.record(outcome)
        return outcome


async def _invoke(invocation: TaskCall, limiter: anyio.CapacityLimiter | None) -> CallOutcome:
    run = invocation.run
    clock = run.clock
    beats: list[anyio.Event] = [anyio.Event()]

    def heartbeat() -> None:
        beats[0].set()

    callback = cast("Callback | None", invocation.callback)
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
        await work(invocation, context, outcome, limiter)
        return outcome
    with clock.timeout(invocation.timeout) as deadline:
        if invocation.heartbeat is None:
            await work(invocation, context, outcome, limiter)
        else:
            async with anyio.create_task_group() as group:
                group.start_soon(watch_heartbeat, invocation.heartbeat, group.cancel_scope)
                await work(invocation, context, outcome, limiter)
                group.cancel_scope.cancel()
    if heartbeat_missed:
        return CallOutcome(timed_out=errors.HEARTBEAT_TIMEOUT)
    if deadline.cancelled_caught:
        return CallOutcome(timed_out=errors.TIMEOUT)
    return outcome


async def _call(
    invocation: TaskCall,
    context: TaskContext,
    outcome: CallOutcome,
    limiter: anyio.CapacityLimiter | None,
) -> None:
    spec: TaskSpec = invocation.handle
    # The task's own copy: it may change it at will, now or from a thread after a timeout.
    payload = jsondata.copy(invocation.payload)
    try:
        if spec.is_async:
            if spec.takes_context:
                outcome.result = await spec.fn(payload, context)
            else:
                outcome.result = await spec.fn(payload)
        else:
            outcome.result = await _call_in_thread(spec, payload, context, limiter)
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


async def _call_back(
    invocation: TaskCall,
    context: TaskContext,
    outcome: CallOutcome,
    limiter: anyio.CapacityLimiter | None,
) -> None:
    """Hand the work over, then wait for the token to be completed.

    The task's return value only goes into the history (TaskSubmitted); a task that fails
    to hand the work over fails the state at once.
    """
    callback = cast("Callback", invocation.callback)
    await _call(invocation, context, outcome, limiter)
    if outcome.failure is not None:
        return
    callback.submitted(outcome.result)
    outcome.result, outcome.failure = await callback.wait()


def _failure_of(exc: BaseException) -> tuple[str | None, str | None]:
    """An exception from task code as ``(error, cause)``: its class name and its message."""
    return type(exc).__name__[:MAX_ERROR_LENGTH], describe_exception_value(exc)[:MAX_CAUSE_LENGTH]


async def _call_in_thread(
    spec: TaskSpec, payload: Any, context: TaskContext, limiter: anyio.CapacityLimiter | None
) -> Any:
    def call() -> Any:
        if spec.takes_context:
            return spec.fn(payload, context)
        return spec.fn(payload)

    try:
        # A thread cannot be killed: on a timeout, a stop or a sibling's failure the state
        # moves on at once, and the thread finishes (or not) on its own; ctx.cancelled tells
        # it to stop. It keeps its place in the thread limiter until it returns.
        return await anyio.to_thread.run_sync(call, limiter=limiter, abandon_on_cancel=True)
    except anyio.get_cancelled_exc_class():
        context._cancelled = True
        raise
