"""Spans: their names and attributes, trace identity, and per-state and per-job spans.

The root execution's ARN is the identity of a whole run: unless the caller of
``start_execution`` has an active span, the trace ID is derived from it, so
``trace_id_for`` finds a run in any backend and a run resumed later continues its trace.

Nothing here costs more than a branch per state when no OpenTelemetry SDK is configured:
the API's own providers record nothing, so an engine that starts while they are in place
skips per-state spans and durations altogether.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

import anyio
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import (
    NonRecordingSpan,
    Span,
    SpanContext,
    Status,
    StatusCode,
    TraceFlags,
    Tracer,
    format_trace_id,
)

from .._states.guards import StateFailed

if TYPE_CHECKING:
    from opentelemetry.context import Context

    from .._states.run import Job, JobKind, Outcome, Run, StateInfo, Visit

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

_JOB_SPANS: Final = {"iteration": ITERATION_SPAN, "branch": BRANCH_SPAN}

# Recorded payloads are cut to this many bytes of JSON text.
PAYLOAD_LIMIT: Final = 2048


def derived_trace_id(arn: str) -> str:
    """The trace ID (32 hex digits) derived from a root execution's ARN."""
    return format_trace_id(derived_ids(arn)[0])


def derived_ids(arn: str) -> tuple[int, int]:
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
    trace_id, span_id = derived_ids(root_arn)
    remote = SpanContext(
        trace_id, span_id, is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED)
    )
    return trace.set_span_in_context(NonRecordingSpan(remote), current), trace_id


def is_api_default(provider: object) -> bool:
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


class StateTracing:
    """Per-state spans and durations, for engines started while an SDK records them."""

    __slots__ = ("record_payloads", "state_duration", "tracer")

    def __init__(self, tracer: Tracer | None, state_duration: Any, record_payloads: bool) -> None:
        self.tracer = tracer
        self.state_duration = state_duration
        self.record_payloads = record_payloads

    async def state(self, state: StateInfo, data: Any, visit: Visit) -> Outcome:
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
        try:
            with _inside(span):
                output, next_name = await state.run(data, visit)
                if self.record_payloads:
                    span.set_attribute(OUTPUT, payload_text(output))
                return output, next_name
        finally:
            self._measure(state, visit)

    def _measure(self, state: StateInfo, visit: Visit) -> None:
        if self.state_duration is not None:
            seconds = (visit.run.clock.now() - visit.entered_time).total_seconds()
            self.state_duration.record(seconds, {STATE_TYPE: state.type})

    def jobs(self, job: Job, kind: JobKind, state_name: str, run: Run) -> Job:
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
            span = tracer.start_span(_JOB_SPANS[kind], attributes={**base, INDEX: index})
            # Attached in the worker's own task, so siblings never see each other's span.
            with _inside(span):
                return await job(index)

        return traced


@contextmanager
def _inside(span: Span) -> Iterator[None]:
    """Make ``span`` current for the block; record how the block ended on it, and end it."""
    token = otel_context.attach(trace.set_span_in_context(span))
    try:
        yield
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
    finally:
        otel_context.detach(token)
        span.end()
