"""One engine's telemetry: its tracer, metric instruments and each execution's scope."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import metrics, trace
from opentelemetry.trace import Span, Tracer, TracerProvider, format_span_id, format_trace_id

from .._store.records import ExecutionRecord, ExecutionStatus
from .logs import EXECUTION_VAR, ROOT_VAR, SPAN_VAR, TRACE_VAR, log
from .notifications import Subscriptions
from .spans import (
    EXECUTION_ARN,
    EXECUTION_NAME,
    EXECUTION_SPAN,
    INPUT,
    OUTPUT,
    ROOT_EXECUTION,
    STATE_MACHINE,
    STATUS,
    StateTracing,
    derived_ids,
    fail_span,
    is_api_default,
    parent_context,
    payload_text,
)

if TYPE_CHECKING:
    from anyio.abc import TaskGroup
    from opentelemetry.context import Context
    from opentelemetry.metrics import MeterProvider


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
        self.subscriptions = Subscriptions()

    @property
    def tracer(self) -> Tracer | None:
        """The tracer, when an SDK records spans (known once the engine has started)."""
        return self._tracer

    def start(self) -> None:
        """Find out, as the engine starts, whether an SDK records spans and metrics."""
        provider = self._tracer_provider or trace.get_tracer_provider()
        self._tracer = None if is_api_default(provider) else provider.get_tracer("orchestra")
        meters = self._meter_provider or metrics.get_meter_provider()
        self._measures_states = not is_api_default(meters)

    def execution(
        self,
        record: ExecutionRecord,
        subject: Any,
        group: TaskGroup,
        parent: Context | None = None,
    ) -> ExecutionScope:
        """What one execution reports; ``parent`` (default: the caller's context) is where
        its span nests, such as the state span of the execution that started it.

        ``subject`` is what the subscribers are handed as the execution closes.
        """
        tracer = self._tracer
        histogram = self.state_duration if self._measures_states else None
        root_arn = record.root_arn
        if tracer is None and histogram is None:
            # Logs still carry the trace ID: the caller's, or the one derived from the ARN.
            active = trace.get_current_span(parent).get_span_context()
            trace_id = active.trace_id if active.is_valid else derived_ids(root_arn)[0]
            return ExecutionScope(self, record, subject, group, None, trace_id, None)
        context, trace_id = parent_context(root_arn, parent)
        tracing = StateTracing(tracer, histogram, self.record_payloads)
        return ExecutionScope(self, record, subject, group, context, trace_id, tracing)


class ExecutionScope:
    """One execution's span, log context and metrics, opened and closed in its own task."""

    __slots__ = (
        "_group",
        "_span",
        "_subject",
        "_telemetry",
        "context",
        "record",
        "trace_id",
        "tracing",
    )

    def __init__(
        self,
        telemetry: Telemetry,
        record: ExecutionRecord,
        subject: Any,
        group: TaskGroup,
        context: Context | None,
        trace_id: int,
        tracing: StateTracing | None,
    ) -> None:
        self._telemetry = telemetry
        self._group = group
        self.record = record
        self._subject = subject
        self.context = context
        self.trace_id = format_trace_id(trace_id)
        self.tracing = tracing
        self._span: Span | None = None

    def started(self) -> None:
        """Open the execution's span and bind its log context, in the execution's own task.

        The bindings are never reset: the task, and the context they live in, end with the
        execution, and the states' tasks copy them as they start.
        """
        execution = self.record
        root = execution.root_name
        machine = execution.machine_name
        tracer = self.tracing.tracer if self.tracing is not None else None
        if tracer is not None:
            attributes = {
                STATE_MACHINE: machine,
                EXECUTION_NAME: execution.name,
                EXECUTION_ARN: execution.arn,
                ROOT_EXECUTION: root,
            }
            if self._telemetry.record_payloads:
                attributes[INPUT] = payload_text(execution.input)
            span = self._span = tracer.start_span(
                EXECUTION_SPAN, context=self.context, attributes=attributes
            )
            otel_context.attach(trace.set_span_in_context(span, self.context))
            SPAN_VAR.set(format_span_id(span.get_span_context().span_id))
        EXECUTION_VAR.set(execution.name)
        ROOT_VAR.set(root)
        TRACE_VAR.set(self.trace_id)
        labels = {STATE_MACHINE: machine}
        self._telemetry.executions_started.add(1, labels)
        self._telemetry.executions_open.add(1, labels)
        log.info(
            "execution started",
            state_machine=machine,
            execution=execution.name,
            root_execution=root,
            trace_id=self.trace_id,
        )

    def ended(self) -> None:
        """Close the span, record the metrics, log the outcome, notify the subscribers."""
        telemetry = self._telemetry
        execution = self.record
        status = execution.status.value
        labels = {STATE_MACHINE: execution.machine_name}
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
                span.set_attribute(OUTPUT, payload_text(execution.output))
        if execution.error is None and execution.cause is None:
            log.info(
                "execution ended",
                state_machine=execution.machine_name,
                execution=execution.name,
                root_execution=execution.root_name,
                status=status,
            )
        else:
            log.info(
                "execution ended",
                state_machine=execution.machine_name,
                execution=execution.name,
                root_execution=execution.root_name,
                status=status,
                error=execution.error,
                cause=execution.cause,
            )
        if span is not None:
            span.end()
        if execution.done:
            telemetry.subscriptions.notify(self._subject, self._group)
