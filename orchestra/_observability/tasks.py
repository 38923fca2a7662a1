"""One task attempt's span, log context and metrics."""

from __future__ import annotations

from contextvars import Token
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, Tracer, format_span_id

from .logs import ATTEMPT_VAR, SPAN_VAR, STATE_VAR, log, run_fields
from .spans import (
    ATTEMPT,
    ERROR,
    EXECUTION_NAME,
    INPUT,
    OUTPUT,
    RESOURCE,
    ROOT_EXECUTION,
    STATE_MACHINE,
    STATE_NAME,
    STATUS,
    TASK_NAME,
    TASK_SPAN,
    fail_span,
    payload_text,
)

if TYPE_CHECKING:
    from .._states.run import CallOutcome, Run, TaskCall
    from .telemetry import Telemetry


class TaskScope:
    """One task attempt: its span, its log context (state, attempt, span) and its metrics.

    Entered in the task that calls the user's function, so a sync task's thread (which
    copies the caller's context) and an async task both see it, and sibling branches don't.
    """

    __slots__ = ("_invocation", "_span", "_telemetry", "_tokens")

    def __init__(self, telemetry: Telemetry, invocation: TaskCall) -> None:
        self._telemetry = telemetry
        self._invocation = invocation
        self._span: Span | None = None
        self._tokens: tuple[Token[Any], ...] = ()

    def __enter__(self) -> TaskScope:
        invocation = self._invocation
        run = invocation.run
        tracer = self._telemetry.tracer
        if tracer is not None:
            self._open_span(tracer, self._telemetry.record_payloads)
        else:
            self._tokens = (
                STATE_VAR.set(invocation.state_name),
                ATTEMPT_VAR.set(invocation.retry_count),
            )
        if invocation.retry_count > 0:
            self._telemetry.task_retries.add(1, {STATE_MACHINE: _machine_name(run)})
            log.info(
                "retrying task",
                **run_fields(run),
                state=invocation.state_name,
                attempt=invocation.retry_count,
            )
        return self

    def _open_span(self, tracer: Tracer, record_payloads: bool) -> None:
        invocation = self._invocation
        run = invocation.run
        spec = invocation.handle
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
            STATE_VAR.set(invocation.state_name),
            ATTEMPT_VAR.set(invocation.retry_count),
            SPAN_VAR.set(format_span_id(span.get_span_context().span_id)),
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
        if error is not None:
            self._telemetry.task_failures.add(1, {STATE_MACHINE: _machine_name(run), ERROR: error})
        span = self._span
        if span is None:
            return
        span.set_attribute(STATUS, status)
        if outcome.exception is not None:
            span.record_exception(outcome.exception)
        if error is not None:
            fail_span(span, error, cause)
        elif self._telemetry.record_payloads:
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
            SPAN_VAR.reset(tokens[2])
        STATE_VAR.reset(tokens[0])
        ATTEMPT_VAR.reset(tokens[1])


def _machine_name(run: Run) -> str:
    return str(run.state_machine_context.get("Name", ""))
