"""Spans, log context, metrics and notifications: every name the engine reports under.

The root execution's ARN is the identity of a whole run: unless the caller of
``start_execution`` has an active span, the trace ID is derived from it, so
:func:`trace_id_for` finds a run in any backend and a run resumed later continues its trace.

Nothing here costs more than a branch per state when no OpenTelemetry SDK is configured: the
API's own providers record nothing, so an engine that starts while they are in place skips
per-state spans and durations altogether. Log context is bound once per execution, and
around task calls, where user code runs.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Awaitable, Callable, Collection
from contextvars import ContextVar, Token, copy_context
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

import anyio
import structlog
from opentelemetry import context as otel_context
from opentelemetry import metrics, trace
from opentelemetry.trace import (
    NonRecordingSpan,
    Span,
    SpanContext,
    Status,
    StatusCode,
    TraceFlags,
    Tracer,
    TracerProvider,
    format_span_id,
    format_trace_id,
)

from .._runtime.execution import Execution, ExecutionStatus
from .._states.run import StateFailed, passes_through, traceback_text
from ..errors import InvalidArgument

if TYPE_CHECKING:
    from anyio.abc import TaskGroup
    from opentelemetry.context import Context
    from opentelemetry.metrics import MeterProvider

    from .._runtime.invoke import CallOutcome, Invocation
    from .._states.base import State
    from .._states.run import Run, Visit

    Outcome = tuple[Any, str | None]

# Span names stay low-cardinality; identifiers go in attributes.
EXECUTION_SPAN: Final = "orchestra.execution"
STATE_SPAN: Final = "orchestra.state"
TASK_SPAN: Final = "orchestra.task"
ITERATION_SPAN: Final = "orchestra.iteration"
BRANCH_SPAN: Final = "orchestra.branch"

STATE_MACHINE: Final = "orchestra.state_machine.name"
EXECUTION_NAME: Final = "orchestra.execution.name"
EXECUTION_ARN: Final = "orchestra.execution.arn"
ROOT_EXECUTION: Final = "orchestra.root_execution.name"
STATE_NAME: Final = "orchestra.state.name"
STATE_TYPE: Final = "orchestra.state.type"
RESOURCE: Final = "orchestra.resource"
TASK_NAME: Final = "orchestra.task.name"
ATTEMPT: Final = "orchestra.attempt"
INDEX: Final = "orchestra.index"
STATUS: Final = "orchestra.status"
ERROR: Final = "orchestra.error"
CAUSE: Final = "orchestra.cause"
INPUT: Final = "orchestra.input"
OUTPUT: Final = "orchestra.output"

# Recorded payloads are cut to this many bytes of JSON text.
PAYLOAD_LIMIT: Final = 2048

Subscriber = Callable[[Execution], Any]
_CLOSED_STATUSES: Final = frozenset(s.value for s in ExecutionStatus) - {"RUNNING"}

_log = structlog.get_logger("orchestra")


def trace_id_for(execution: Execution | str) -> str:
    """The trace ID (32 hex digits) of a run, derived from its root execution's ARN.

    Every span of the run is in this trace, unless the run was started while the caller had
    an active span: it then joined the caller's trace.

    Args:
        execution: an execution (its root's ARN is used), or a root execution's ARN.

    Raises:
        TypeError: the argument is neither an execution nor an ARN.
    """
    if isinstance(execution, Execution):
        arn = execution.root.arn
    elif isinstance(execution, str):
        arn = execution
    else:
        raise TypeError(f"trace_id_for needs an Execution or an ARN, not {execution!r}")
    return format_trace_id(_derived_ids(arn)[0])


def _derived_ids(arn: str) -> tuple[int, int]:
    digest = hashlib.sha256(arn.encode()).digest()
    # All-zero IDs are invalid in OpenTelemetry; a digest that starts with them is nudged.
    trace_id = int.from_bytes(digest[:16], "big") or 1
    span_id = int.from_bytes(digest[16:24], "big") or 1
    return trace_id, span_id


def parent_context(root_arn: str, context: Context | None = None) -> tuple[Context, int]:
    """The context an execution's span starts in, and its trace ID.

    That is the given (default: current) context if it holds a valid span, else one whose
    remote parent carries the trace ID derived from ``root_arn``.
    """
    current = otel_context.get_current() if context is None else context
    active = trace.get_current_span(current).get_span_context()
    if active.is_valid:
        return current, active.trace_id
    trace_id, span_id = _derived_ids(root_arn)
    remote = SpanContext(
        trace_id, span_id, is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED)
    )
    return trace.set_span_in_context(NonRecordingSpan(remote), current), trace_id


def _structlog_vars(*keys: str) -> tuple[ContextVar[Any], ...]:
    """structlog's own context variables behind ``keys``.

    Setting them directly is what ``bind_contextvars`` does, at a quarter of its cost on the
    path every task call takes; they are found through a throwaway context, so the module
    relies only on structlog's documented ``structlog_`` prefix.
    """
    probe = copy_context()
    probe.run(structlog.contextvars.bind_contextvars, **dict.fromkeys(keys))
    by_name = {var.name: var for var in probe}
    return tuple(by_name[f"structlog_{key}"] for key in keys)


_EXECUTION_VAR, _ROOT_VAR, _TRACE_VAR, _SPAN_VAR, _STATE_VAR, _ATTEMPT_VAR = _structlog_vars(
    "execution", "root_execution", "trace_id", "span_id", "state", "attempt"
)


def _is_api_default(provider: object) -> bool:
    """Whether a provider is the API's own no-op, or the proxy that stands in for an SDK not
    configured yet: neither records anything, so the work that feeds them can be skipped."""
    module = type(provider).__module__
    return module.startswith(("opentelemetry.trace", "opentelemetry.metrics"))


def payload_text(value: Any) -> str:
    """A payload as JSON text, cut to ``PAYLOAD_LIMIT`` bytes."""
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    encoded = text.encode()
    if len(encoded) <= PAYLOAD_LIMIT:
        return text
    return encoded[:PAYLOAD_LIMIT].decode(errors="ignore")


def fail_span(span: Span, error: str | None, cause: str | None) -> None:
    """Mark a span failed the OpenTelemetry way, with the ASL error and cause as attributes."""
    if error is not None:
        span.set_attribute(ERROR, error)
    if cause is not None:
        span.set_attribute(CAUSE, cause)
    description = f"{error}: {cause}" if cause else error
    span.set_status(Status(StatusCode.ERROR, description))


class _Subscription:
    __slots__ = ("callback", "is_async", "statuses")

    def __init__(self, callback: Subscriber, statuses: frozenset[str] | None) -> None:
        self.callback = callback
        self.statuses = statuses
        self.is_async = inspect.iscoroutinefunction(callback) or inspect.iscoroutinefunction(
            getattr(callback, "__call__", None)  # noqa: B004 - an object with an async __call__
        )


class Telemetry:
    """One engine's tracer, metric instruments, payload policy and subscribers."""

    def __init__(
        self,
        *,
        tracer_provider: TracerProvider | None,
        meter_provider: MeterProvider | None,
        record_payloads: bool,
    ) -> None:
        self._tracer_provider = tracer_provider
        self._meter_provider = meter_provider
        self._tracer: Tracer | None = None
        self._measures_states = False
        self.record_payloads = record_payloads
        # The global meter is a proxy that forwards to an SDK configured later on.
        meter = (
            metrics.get_meter("orchestra")
            if meter_provider is None
            else meter_provider.get_meter("orchestra")
        )
        self.executions_started = meter.create_counter(
            "orchestra.executions.started", unit="{execution}", description="Executions started"
        )
        self.executions_ended = meter.create_counter(
            "orchestra.executions.ended", unit="{execution}", description="Executions closed"
        )
        self.executions_open = meter.create_up_down_counter(
            "orchestra.executions.open", unit="{execution}", description="Executions running"
        )
        self.execution_duration = meter.create_histogram(
            "orchestra.execution.duration", unit="s", description="Execution duration"
        )
        self.state_duration = meter.create_histogram(
            "orchestra.state.duration", unit="s", description="State duration"
        )
        self.task_failures = meter.create_counter(
            "orchestra.task.failures", unit="{failure}", description="Task attempts that failed"
        )
        self.task_retries = meter.create_counter(
            "orchestra.task.retries", unit="{retry}", description="Task attempts that retried"
        )
        self._subscriptions: list[_Subscription] = []

    def start(self) -> None:
        """Find out, as the engine starts, whether an SDK records spans and metrics."""
        provider = self._tracer_provider or trace.get_tracer_provider()
        self._tracer = None if _is_api_default(provider) else provider.get_tracer("orchestra")
        meters = self._meter_provider or metrics.get_meter_provider()
        self._measures_states = not _is_api_default(meters)

    def execution(
        self, execution: Execution, group: TaskGroup, parent: Context | None = None
    ) -> ExecutionScope:
        """What one execution reports; ``parent`` (default: the caller's context) is where
        its span nests, such as the state span of the execution that started it."""
        tracer = self._tracer
        histogram = self.state_duration if self._measures_states else None
        root_arn = execution.root.arn
        if tracer is None and histogram is None:
            # Logs still carry the trace ID: the caller's, or the one derived from the ARN.
            active = trace.get_current_span(parent).get_span_context()
            trace_id = active.trace_id if active.is_valid else _derived_ids(root_arn)[0]
            return ExecutionScope(self, execution, group, None, trace_id, None)
        context, trace_id = parent_context(root_arn, parent)
        tracing = StateTracing(tracer, histogram, self.record_payloads)
        return ExecutionScope(self, execution, group, context, trace_id, tracing)

    def subscribe(
        self, callback: Subscriber, statuses: Collection[str] | None
    ) -> Callable[[], None]:
        """Call ``callback(execution)`` when an execution closes; return the unsubscriber.

        Raises:
            ValueError: a status is not one an execution closes with.
        """
        wanted: frozenset[str] | None = None
        if statuses is not None:
            wanted = frozenset([statuses] if isinstance(statuses, str) else map(str, statuses))
            unknown = wanted - _CLOSED_STATUSES
            if unknown:
                raise InvalidArgument(
                    f"unknown execution statuses {sorted(unknown)}: "
                    f"use {', '.join(sorted(_CLOSED_STATUSES))}"
                )
        subscription = _Subscription(callback, wanted)
        self._subscriptions.append(subscription)

        def unsubscribe() -> None:
            try:
                self._subscriptions.remove(subscription)
            except ValueError:
                pass

        return unsubscribe

    def notify(self, execution: Execution, group: TaskGroup) -> None:
        """Tell the subscribers that ``execution`` closed; a subscriber's error is logged."""
        status = execution.status.value
        for subscription in tuple(self._subscriptions):
            if subscription.statuses is not None and status not in subscription.statuses:
                continue
            if subscription.is_async:
                try:
                    group.start_soon(_notify_async, subscription.callback, execution)
                except RuntimeError:
                    # The engine is closing: its task group takes no new tasks.
                    _log.warning(
                        "an execution subscriber was not called: the engine is closing",
                        execution=execution.name,
                        status=status,
                    )
                continue
            try:
                subscription.callback(execution)
            except BaseException as exc:  # noqa: BLE001 - re-raised there when it must be
                _subscriber_failed(exc, execution)


async def _notify_async(callback: Callable[[Execution], Awaitable[Any]], execution: Any) -> None:
    try:
        await callback(execution)
    except BaseException as exc:  # noqa: BLE001 - re-raised there when it must be
        _subscriber_failed(exc, execution)


def _subscriber_failed(exc: BaseException, execution: Execution) -> None:
    """Log a subscriber's error (even SystemExit): it must not break the engine.

    Raises:
        BaseException: ``exc`` itself, when it is a cancellation or Ctrl-C.
    """
    if passes_through(exc):
        raise exc
    _log.error(
        "an execution subscriber failed",
        execution=execution.name,
        status=execution.status.value,
        exception=traceback_text(exc),
    )


class ExecutionScope:
    """One execution's span, log context and metrics, opened and closed in its own task."""

    __slots__ = ("_group", "_span", "_telemetry", "context", "execution", "trace_id", "tracing")

    def __init__(
        self,
        telemetry: Telemetry,
        execution: Execution,
        group: TaskGroup,
        context: Context | None,
        trace_id: int,
        tracing: StateTracing | None,
    ) -> None:
        self._telemetry = telemetry
        self._group = group
        self.execution = execution
        self.context = context
        self.trace_id = format_trace_id(trace_id)
        self.tracing = tracing
        self._span: Span | None = None

    def started(self) -> None:
        """Open the execution's span and bind its log context, in the execution's own task.

        The bindings are never reset: the task, and the context they live in, end with the
        execution, and the states' tasks copy them as they start.
        """
        execution = self.execution
        root = execution.root.name
        machine = execution.machine.name
        tracer = self.tracing.tracer if self.tracing is not None else None
        if tracer is not None:
            attributes = {
                STATE_MACHINE: machine,
                EXECUTION_NAME: execution.name,
                EXECUTION_ARN: execution.arn,
                ROOT_EXECUTION: root,
            }
            if self._telemetry.record_payloads:
                attributes[INPUT] = payload_text(execution._input)
            span = self._span = tracer.start_span(
                EXECUTION_SPAN, context=self.context, attributes=attributes
            )
            otel_context.attach(trace.set_span_in_context(span, self.context))
            _SPAN_VAR.set(format_span_id(span.get_span_context().span_id))
        _EXECUTION_VAR.set(execution.name)
        _ROOT_VAR.set(root)
        _TRACE_VAR.set(self.trace_id)
        labels = {STATE_MACHINE: machine}
        self._telemetry.executions_started.add(1, labels)
        self._telemetry.executions_open.add(1, labels)
        _log.info(
            "execution started",
            state_machine=machine,
            execution=execution.name,
            root_execution=root,
            trace_id=self.trace_id,
        )

    def ended(self) -> None:
        """Close the span, record the metrics, log the outcome, notify the subscribers."""
        telemetry = self._telemetry
        execution = self.execution
        status = execution.status.value
        labels = {STATE_MACHINE: execution.machine.name}
        telemetry.executions_open.add(-1, labels)
        labels[STATUS] = status
        telemetry.executions_ended.add(1, labels)
        if execution.stop_date is not None:
            seconds = (execution.stop_date - execution.start_date).total_seconds()
            telemetry.execution_duration.record(seconds, labels)
        span = self._span
        if span is not None:
            span.set_attribute(STATUS, status)
            if execution.status in (ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT):
                fail_span(span, execution.error, execution.cause)
            elif execution.status is ExecutionStatus.SUCCEEDED and telemetry.record_payloads:
                span.set_attribute(OUTPUT, payload_text(execution._output))
        if execution.error is None and execution.cause is None:
            _log.info(
                "execution ended",
                state_machine=execution.machine.name,
                execution=execution.name,
                root_execution=execution.root.name,
                status=status,
            )
        else:
            _log.info(
                "execution ended",
                state_machine=execution.machine.name,
                execution=execution.name,
                root_execution=execution.root.name,
                status=status,
                error=execution.error,
                cause=execution.cause,
            )
        if span is not None:
            span.end()
        if execution.done:
            telemetry.notify(execution, self._group)


class StateTracing:
    """Per-state spans and durations, for engines started while an SDK records them."""

    __slots__ = ("record_payloads", "state_duration", "tracer")

    def __init__(self, tracer: Tracer | None, state_duration: Any, record_payloads: bool) -> None:
        self.tracer = tracer
        self.state_duration = state_duration
        self.record_payloads = record_payloads

    async def state(self, state: State, data: Any, visit: Visit) -> Outcome:
        """Run ``state`` inside its span, recording its duration."""
        run = visit.run
        tracer = self.tracer
        if tracer is None:
            try:
                return await state.run(data, visit)
            finally:
                self._measure(state, visit)
        attributes: dict[str, Any] = {
            STATE_NAME: state.name,
            STATE_TYPE: state.type,
            EXECUTION_NAME: run.execution_name,
            ROOT_EXECUTION: run.root_execution_name,
        }
        resource = state.definition.get("Resource")
        if isinstance(resource, str):
            attributes[RESOURCE] = resource
        if self.record_payloads:
            attributes[INPUT] = payload_text(data)
        span = tracer.start_span(STATE_SPAN, attributes=attributes)
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            output, next_name = await state.run(data, visit)
        except StateFailed as failure:
            fail_span(span, failure.error, failure.cause)
            raise
        except anyio.get_cancelled_exc_class():
            span.set_attribute(STATUS, "ABORTED")
            raise
        except Exception as exc:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
            raise
        else:
            if self.record_payloads:
                span.set_attribute(OUTPUT, payload_text(output))
            return output, next_name
        finally:
            otel_context.detach(token)
            span.end()
            self._measure(state, visit)

    def _measure(self, state: State, visit: Visit) -> None:
        if self.state_duration is not None:
            seconds = (visit.run.clock.now() - visit.entered_time).total_seconds()
            self.state_duration.record(seconds, {STATE_TYPE: state.type})

    def jobs(
        self, job: Callable[[int], Awaitable[Any]], kind: str, state_name: str, run: Run
    ) -> Callable[[int], Awaitable[Any]]:
        """``job`` with each call in its own span (a Map iteration or a Parallel branch)."""
        tracer = self.tracer
        if tracer is None:
            return job
        base = {
            STATE_NAME: state_name,
            EXECUTION_NAME: run.execution_name,
            ROOT_EXECUTION: run.root_execution_name,
        }

        async def traced(index: int) -> Any:
            span = tracer.start_span(kind, attributes={**base, INDEX: index})
            # Attached in the worker's own task, so siblings never see each other's span.
            token = otel_context.attach(trace.set_span_in_context(span))
            try:
                return await job(index)
            except StateFailed as failure:
                fail_span(span, failure.error, failure.cause)
                raise
            except anyio.get_cancelled_exc_class():
                span.set_attribute(STATUS, "ABORTED")
                raise
            finally:
                otel_context.detach(token)
                span.end()

        return traced


def traced_jobs(
    job: Callable[[int], Awaitable[Any]], kind: str, state_name: str, run: Run
) -> Callable[[int], Awaitable[Any]]:
    """``job`` in per-call spans when the run is traced; ``job`` itself otherwise."""
    tracing = run.tracing
    if tracing is None:
        return job
    return tracing.jobs(job, kind, state_name, run)


class TaskScope:
    """One task attempt: its span, its log context (state, attempt, span) and its metrics.

    Entered in the task that calls the user's function, so a sync task's thread (which
    copies the caller's context) and an async task both see it, and sibling branches don't.
    """

    __slots__ = ("_invocation", "_span", "_tokens")

    def __init__(self, invocation: Invocation) -> None:
        self._invocation = invocation
        self._span: Span | None = None
        self._tokens: tuple[Token[Any], ...] = ()

    def __enter__(self) -> TaskScope:
        invocation = self._invocation
        run = invocation.run
        tracing = run.tracing
        if tracing is not None and tracing.tracer is not None:
            self._open_span(tracing.tracer, tracing.record_payloads)
        else:
            self._tokens = (
                _STATE_VAR.set(invocation.state_name),
                _ATTEMPT_VAR.set(invocation.retry_count),
            )
        if invocation.retry_count > 0:
            if run.telemetry is not None:
                run.telemetry.task_retries.add(1, {STATE_MACHINE: _machine_name(run)})
            _log.info(
                "retrying task",
                execution=run.execution_name,
                root_execution=run.root_execution_name,
                state=invocation.state_name,
                attempt=invocation.retry_count,
            )
        return self

    def _open_span(self, tracer: Tracer, record_payloads: bool) -> None:
        invocation = self._invocation
        run = invocation.run
        spec = invocation.spec
        attributes: dict[str, Any] = {
            STATE_NAME: invocation.state_name,
            TASK_NAME: spec.name,
            ATTEMPT: invocation.retry_count,
            EXECUTION_NAME: run.execution_name,
            ROOT_EXECUTION: run.root_execution_name,
        }
        if spec.resource is not None:
            attributes[RESOURCE] = spec.resource
        if record_payloads:
            attributes[INPUT] = payload_text(invocation.payload)
        span = self._span = tracer.start_span(TASK_SPAN, attributes=attributes)
        self._tokens = (
            _STATE_VAR.set(invocation.state_name),
            _ATTEMPT_VAR.set(invocation.retry_count),
            _SPAN_VAR.set(format_span_id(span.get_span_context().span_id)),
            otel_context.attach(trace.set_span_in_context(span)),
        )

    def record(self, outcome: CallOutcome) -> None:
        """Record what came of the call on the span and in the failure counter."""
        if outcome.failure is None and outcome.timed_out is None and self._span is None:
            return
        run = self._invocation.run
        error: str | None
        if outcome.timed_out is not None:
            error, cause, status = outcome.timed_out, None, "TIMED_OUT"
        elif outcome.failure is not None:
            (error, cause), status = outcome.failure, "FAILED"
        else:
            error, cause, status = None, None, "SUCCEEDED"
        if error is not None and run.telemetry is not None:
            run.telemetry.task_failures.add(1, {STATE_MACHINE: _machine_name(run), ERROR: error})
        span = self._span
        if span is None:
            return
        span.set_attribute(STATUS, status)
        if outcome.exception is not None:
            span.record_exception(outcome.exception)
        if error is not None:
            fail_span(span, error, cause)
        elif run.tracing is not None and run.tracing.record_payloads:
            span.set_attribute(OUTPUT, payload_text(outcome.result))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        span = self._span
        tokens = self._tokens
        if span is not None:
            if isinstance(exc, anyio.get_cancelled_exc_class()):
                span.set_attribute(STATUS, "ABORTED")
            span.end()
            otel_context.detach(tokens[3])
            _SPAN_VAR.reset(tokens[2])
        _STATE_VAR.reset(tokens[0])
        _ATTEMPT_VAR.reset(tokens[1])


def _machine_name(run: Run) -> str:
    return str(run.state_machine_context.get("Name", ""))


def state_failed(run: Run, state: State, failure: StateFailed) -> None:
    """Log a state that failed and that nothing caught."""
    _log.warning(
        "state failed",
        execution=run.execution_name,
        root_execution=run.root_execution_name,
        state=state.name,
        state_type=state.type,
        error=failure.error,
        cause=failure.cause,
    )
