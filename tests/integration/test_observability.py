"""Spans, log context, metrics and notifications, seen through the public API."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import json
import threading
from collections.abc import Iterator
from typing import Any

import anyio
import anyio.lowlevel
import anyio.to_thread
import pytest
import structlog
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode, format_span_id, format_trace_id

import orchestra.logging
from orchestra import Engine, Execution, StateMachine, TaskContext, TaskFailed, task, trace_id_for
from orchestra.testing import VirtualClock
from tests.helpers import machine, run

pytestmark = pytest.mark.anyio

WORK = "arn:aws:lambda:us-east-1:123456789012:function:work"
FLAKY = "arn:aws:lambda:us-east-1:123456789012:function:flaky"
BROKEN = "arn:aws:lambda:us-east-1:123456789012:function:broken"
ARN = "arn:aws:states:us-east-1:123456789012:execution:test:run"


@task(WORK)
async def work(payload: Any) -> Any:
    return payload


@task(BROKEN)
async def broken(payload: Any) -> Any:
    raise TaskFailed("Inventory.Empty", "no stock left")


def flaky_task() -> Any:
    calls = []

    @task(FLAKY)
    async def flaky(payload: Any) -> Any:
        calls.append(payload)
        if len(calls) == 1:
            raise TaskFailed("Busy", "try later")
        return {"ok": True}

    return flaky


RETRYING = machine(
    ("Prepare", {"Type": "Pass"}),
    (
        "Charge",
        {
            "Type": "Task",
            "Resource": FLAKY,
            "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 2}],
        },
    ),
)

FAN_OUT = {
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": WORK, "End": True}}},
                {
                    "StartAt": "Each",
                    "States": {
                        "Each": {
                            "Type": "Map",
                            "ItemsPath": "$.items",
                            "ItemProcessor": {
                                "StartAt": "B",
                                "States": {"B": {"Type": "Task", "Resource": WORK, "End": True}},
                            },
                            "End": True,
                        }
                    },
                },
            ],
            "End": True,
        }
    },
}


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> Iterator[TracerProvider]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider
    provider.shutdown()


def named(spans: Any, name: str) -> list[ReadableSpan]:
    return [span for span in spans if span.name == name]


def children(spans: Any, parent: ReadableSpan) -> list[ReadableSpan]:
    assert parent.context is not None
    return sorted(
        (s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id),
        key=lambda s: (
            s.start_time or 0,
            s.attributes.get("orchestra.index", 0) if s.attributes else 0,
        ),
    )


def only(items: list[Any]) -> Any:
    assert len(items) == 1, items
    return items[0]


async def settle(done: Any) -> None:
    """Let other tasks run until ``done()`` (async subscribers run in the engine's group)."""
    for _ in range(1000):
        if done():
            return
        await anyio.lowlevel.checkpoint()
    raise AssertionError("the condition never came true")


def attr(span: ReadableSpan, key: str) -> Any:
    assert span.attributes is not None
    return span.attributes.get(key)


async def test_spans_nest_execution_state_and_task_attempts(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """Each state has a span under the execution's, and each task attempt its own under it."""
    await run(RETRYING, {}, tasks=[flaky_task()], tracer_provider=provider)
    spans = exporter.get_finished_spans()
    execution = only(named(spans, "orchestra.execution"))
    states = children(spans, execution)
    assert [attr(s, "orchestra.state.name") for s in states] == ["Prepare", "Charge"]
    assert all(s.name == "orchestra.state" for s in states)
    assert children(spans, states[0]) == []
    attempts = children(spans, states[1])
    assert [s.name for s in attempts] == ["orchestra.task", "orchestra.task"]
    assert [attr(s, "orchestra.attempt") for s in attempts] == [0, 1]
    assert [attr(s, "orchestra.status") for s in attempts] == ["FAILED", "SUCCEEDED"]
    assert len(spans) == 5


async def test_failed_attempt_span_has_error_status_and_exception(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """A failed attempt's span is ERROR with 'error: cause' and records the task's exception."""
    await run(RETRYING, {}, tasks=[flaky_task()], tracer_provider=provider)
    failed, succeeded = named(exporter.get_finished_spans(), "orchestra.task")
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.status.description == "Busy: try later"
    assert attr(failed, "orchestra.error") == "Busy"
    assert attr(failed, "orchestra.cause") == "try later"
    event = only([e for e in failed.events if e.name == "exception"])
    assert event.attributes is not None
    assert event.attributes["exception.type"].endswith("TaskFailed")
    assert succeeded.status.status_code is StatusCode.UNSET


async def test_failed_execution_span_carries_error_and_cause(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """A failed execution's span and its failed state's span are ERROR with the ASL error."""
    execution, _ = await run(
        machine(("Take", {"Type": "Task", "Resource": BROKEN})),
        tasks=[broken],
        tracer_provider=provider,
    )
    assert execution.status == "FAILED"
    spans = exporter.get_finished_spans()
    root = only(named(spans, "orchestra.execution"))
    state = only(named(spans, "orchestra.state"))
    for span in (root, state):
        assert span.status.status_code is StatusCode.ERROR
        assert span.status.description == "Inventory.Empty: no stock left"
        assert attr(span, "orchestra.error") == "Inventory.Empty"
        assert attr(span, "orchestra.cause") == "no stock left"
    assert attr(root, "orchestra.status") == "FAILED"


async def test_span_attributes_name_the_run(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """Spans carry the machine, execution, root execution, state, resource and attempt."""
    await run(RETRYING, {}, tasks=[flaky_task()], tracer_provider=provider)
    spans = exporter.get_finished_spans()
    root = only(named(spans, "orchestra.execution"))
    assert root.attributes == {
        "orchestra.state_machine.name": "test",
        "orchestra.execution.name": "run",
        "orchestra.execution.arn": ARN,
        "orchestra.root_execution.name": "run",
        "orchestra.status": "SUCCEEDED",
    }
    state = named(spans, "orchestra.state")[1]
    assert state.attributes == {
        "orchestra.state.name": "Charge",
        "orchestra.state.type": "Task",
        "orchestra.resource": FLAKY,
        "orchestra.execution.name": "run",
        "orchestra.root_execution.name": "run",
    }
    attempt = named(spans, "orchestra.task")[1]
    assert attempt.attributes == {
        "orchestra.state.name": "Charge",
        "orchestra.task.name": "flaky",
        "orchestra.resource": FLAKY,
        "orchestra.attempt": 1,
        "orchestra.execution.name": "run",
        "orchestra.root_execution.name": "run",
        "orchestra.status": "SUCCEEDED",
    }
    assert all(attr(s, "orchestra.root_execution.name") == "run" for s in spans)


async def test_map_iterations_and_parallel_branches_nest(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """Parallel branches nest under their state, Map iterations under theirs, states inside."""
    await run(FAN_OUT, {"items": [1, 2, 3]}, tasks=[work], tracer_provider=provider)
    spans = exporter.get_finished_spans()
    root = only(named(spans, "orchestra.execution"))
    fan = only(children(spans, root))
    branches = sorted(children(spans, fan), key=lambda s: attr(s, "orchestra.index"))
    assert [(s.name, attr(s, "orchestra.index")) for s in branches] == [
        ("orchestra.branch", 0),
        ("orchestra.branch", 1),
    ]
    a = only(children(spans, branches[0]))
    assert attr(a, "orchestra.state.name") == "A"
    assert only(children(spans, a)).name == "orchestra.task"
    each = only(children(spans, branches[1]))
    assert attr(each, "orchestra.state.type") == "Map"
    iterations = sorted(children(spans, each), key=lambda s: attr(s, "orchestra.index"))
    assert [(s.name, attr(s, "orchestra.index")) for s in iterations] == [
        ("orchestra.iteration", 0),
        ("orchestra.iteration", 1),
        ("orchestra.iteration", 2),
    ]
    for iteration in iterations:
        b = only(children(spans, iteration))
        assert attr(b, "orchestra.state.name") == "B"
        assert only(children(spans, b)).name == "orchestra.task"
    assert {s.context.trace_id for s in spans if s.context is not None} == {
        root.context.trace_id if root.context is not None else 0
    }


async def test_trace_id_is_derived_from_the_root_arn(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """Without an active span, the trace ID is the first 16 bytes of the root ARN's sha256."""
    execution, _ = await run(RETRYING, {}, tasks=[flaky_task()], tracer_provider=provider)
    root = only(named(exporter.get_finished_spans(), "orchestra.execution"))
    assert root.context is not None
    expected = hashlib.sha256(ARN.encode()).hexdigest()[:32]
    assert format_trace_id(root.context.trace_id) == expected
    assert trace_id_for(execution) == expected
    assert trace_id_for(ARN) == expected
    assert root.parent is not None
    assert root.parent.is_remote


def test_trace_id_for_rejects_other_values() -> None:
    """trace_id_for raises TypeError for what is neither an execution nor an ARN."""
    with pytest.raises(TypeError, match="trace_id_for needs an Execution or an ARN, not 42"):
        trace_id_for(42)  # type: ignore[arg-type]


async def test_a_rerun_of_the_same_arn_continues_the_trace(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """Two runs under one ARN (a run resumed later) share the trace and the parent."""
    await run(machine(("P", {"Type": "Pass"})), tracer_provider=provider)
    await run(machine(("P", {"Type": "Pass"})), tracer_provider=provider)
    first, second = named(exporter.get_finished_spans(), "orchestra.execution")
    assert first.context is not None
    assert second.context is not None
    assert first.context.trace_id == second.context.trace_id
    assert first.parent == second.parent


async def test_execution_joins_the_callers_active_span(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """Started under an active span, the execution's span is its child in its trace."""
    definition = StateMachine.from_definition(machine(("P", {"Type": "Pass"})), name="test")
    tracer = provider.get_tracer("caller")
    async with Engine(clock=VirtualClock(), tracer_provider=provider) as engine:
        with tracer.start_as_current_span("request") as request:
            execution = await engine.start_execution(definition, {}, name="run")
        await execution.wait()
    root = only(named(exporter.get_finished_spans(), "orchestra.execution"))
    assert root.parent is not None
    assert root.parent.span_id == request.get_span_context().span_id
    assert root.context is not None
    assert root.context.trace_id == request.get_span_context().trace_id


async def test_task_logs_carry_run_context_across_concurrent_branches(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """Async and sync task code logging concurrently in branches get their own state bound."""
    log = structlog.get_logger("app")

    @task("async-one")
    async def async_one(payload: Any, ctx: TaskContext) -> Any:
        log.info("one before")
        await ctx.sleep(2)
        log.info("one after")
        return 1

    @task("async-two")
    async def async_two(payload: Any, ctx: TaskContext) -> Any:
        log.info("two before")
        await ctx.sleep(1)
        log.info("two after")
        return 2

    @task("sync-three")
    def sync_three(payload: Any) -> Any:
        log.info("three in a thread", thread=threading.current_thread().name)
        return 3

    branches = [
        {"StartAt": name, "States": {name: {"Type": "Task", "Resource": resource, "End": True}}}
        for name, resource in (
            ("One", "async-one"),
            ("Two", "async-two"),
            ("Three", "sync-three"),
        )
    ]
    definition = {
        "StartAt": "Fan",
        "States": {"Fan": {"Type": "Parallel", "Branches": branches, "End": True}},
    }
    with structlog.testing.capture_logs(
        processors=[structlog.contextvars.merge_contextvars]
    ) as logs:
        execution, _ = await run(
            definition, {}, tasks=[async_one, async_two, sync_three], tracer_provider=provider
        )
    assert execution.output == [1, 2, 3]
    task_spans = {
        attr(s, "orchestra.state.name"): s
        for s in named(exporter.get_finished_spans(), "orchestra.task")
    }
    lines = {
        line["event"]: line for line in logs if line["event"].startswith(("one", "two", "three"))
    }
    assert [line["event"] for line in logs if line["event"] in lines] == [
        "one before",
        "two before",
        "three in a thread",
        "two after",
        "one after",
    ]
    for event, state in [
        ("one before", "One"),
        ("one after", "One"),
        ("two before", "Two"),
        ("two after", "Two"),
        ("three in a thread", "Three"),
    ]:
        line = lines[event]
        span = task_spans[state]
        assert span.context is not None
        assert line["state"] == state
        assert line["attempt"] == 0
        assert line["execution"] == "run"
        assert line["root_execution"] == "run"
        assert line["trace_id"] == trace_id_for(execution)
        assert line["span_id"] == format_span_id(span.context.span_id)
    assert lines["three in a thread"]["thread"] != threading.current_thread().name
    assert structlog.contextvars.get_contextvars() == {}


async def test_logs_carry_the_derived_trace_id_without_an_sdk() -> None:
    """With no SDK configured, task logs still carry the run's context and derived trace ID."""

    @task(WORK)
    async def logs(payload: Any) -> Any:
        structlog.get_logger("app").info("working")
        return payload

    with structlog.testing.capture_logs(
        processors=[structlog.contextvars.merge_contextvars]
    ) as captured:
        execution, _ = await run(
            machine(("Work", {"Type": "Task", "Resource": WORK})), tasks=[logs]
        )
    line = only([line for line in captured if line["event"] == "working"])
    assert line["trace_id"] == trace_id_for(execution)
    assert line["state"] == "Work"
    assert line["root_execution"] == "run"
    assert "span_id" not in line


async def test_engine_logs_lifecycle_events() -> None:
    """The engine logs starts and ends at info, a retry at info, a failed state at warning."""
    with structlog.testing.capture_logs() as logs:
        await run(RETRYING, {}, tasks=[flaky_task()])
        await run(machine(("Take", {"Type": "Task", "Resource": BROKEN})), tasks=[broken])
    events = [(line["event"], line["log_level"]) for line in logs]
    assert events == [
        ("execution started", "info"),
        ("retrying task", "info"),
        ("execution ended", "info"),
        ("execution started", "info"),
        ("state failed", "warning"),
        ("execution ended", "info"),
    ]
    assert logs[1]["state"] == "Charge"
    assert logs[1]["attempt"] == 1
    assert logs[4]["state"] == "Take"
    assert logs[4]["error"] == "Inventory.Empty"
    assert logs[5]["status"] == "FAILED"
    assert all(line["root_execution"] == "run" for line in logs)


async def test_metrics_are_recorded() -> None:
    """Executions, durations, task failures, retries and open executions are measured."""
    reader = InMemoryMetricReader()
    meters = MeterProvider(metric_readers=[reader])
    await run(RETRYING, {}, tasks=[flaky_task()], meter_provider=meters)
    await run(
        machine(("Take", {"Type": "Task", "Resource": BROKEN})),
        tasks=[broken],
        meter_provider=meters,
    )
    data = reader.get_metrics_data()
    assert data is not None
    points: dict[str, list[Any]] = {}
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                points.setdefault(metric.name, []).extend(metric.data.data_points)

    def values(name: str, key: str) -> dict[Any, Any]:
        return {
            (p.attributes or {}).get(key): getattr(p, "value", None) or getattr(p, "count", None)
            for p in points[name]
        }

    assert values("orchestra.executions.started", "orchestra.state_machine.name") == {"test": 2}
    assert values("orchestra.executions.ended", "orchestra.status") == {
        "SUCCEEDED": 1,
        "FAILED": 1,
    }
    assert [p.value for p in points["orchestra.executions.open"]] == [0]
    assert values("orchestra.execution.duration", "orchestra.status") == {
        "SUCCEEDED": 1,
        "FAILED": 1,
    }
    assert values("orchestra.state.duration", "orchestra.state.type") == {"Pass": 1, "Task": 2}
    assert values("orchestra.task.failures", "orchestra.error") == {
        "Busy": 1,
        "Inventory.Empty": 1,
    }
    assert values("orchestra.task.retries", "orchestra.state_machine.name") == {"test": 1}
    meters.shutdown()


async def test_subscribers_hear_of_closed_executions_by_status() -> None:
    """Sync and async subscribers are called as executions close, filtered by status."""
    failures: list[str] = []
    everything: list[tuple[str, str]] = []
    after: list[str] = []

    async def heard(execution: Execution) -> None:
        await anyio.lowlevel.checkpoint()
        everything.append((execution.name, execution.status.value))

    good = StateMachine.from_definition(machine(("P", {"Type": "Pass"})), name="good")
    bad = StateMachine.from_definition(
        machine(("Take", {"Type": "Task", "Resource": BROKEN})), name="bad"
    )
    async with Engine(tasks=[broken], clock=VirtualClock()) as engine:
        unsubscribe = engine.subscribe(
            lambda execution: failures.append(execution.name), statuses={"FAILED", "TIMED_OUT"}
        )
        engine.subscribe(heard)
        for name, definition in (("one", good), ("two", bad)):
            await (await engine.start_execution(definition, {}, name=name)).wait()
        unsubscribe()
        unsubscribe()
        # A single status may be given as a string.
        engine.subscribe(lambda execution: after.append(execution.name), statuses="FAILED")
        await (await engine.start_execution(bad, {}, name="three")).wait()
        await settle(lambda: len(everything) == 3)
    assert failures == ["two"]
    assert everything == [("one", "SUCCEEDED"), ("two", "FAILED"), ("three", "FAILED")]
    assert after == ["three"]


async def test_subscribers_hear_of_executions_aborted_as_the_engine_exits() -> None:
    """An execution still running when the engine exits is reported ABORTED."""
    heard: list[tuple[str, str]] = []
    definition = StateMachine.from_definition(
        machine(("Wait", {"Type": "Wait", "Seconds": 60})), name="test"
    )
    async with Engine(clock=VirtualClock()) as engine:
        engine.subscribe(lambda execution: heard.append((execution.name, execution.status.value)))
        await engine.start_execution(definition, {}, name="slow")
    assert heard == [("slow", "ABORTED")]


async def test_a_failing_subscriber_is_logged_and_the_engine_goes_on() -> None:
    """A subscriber's exception is logged; executions and other subscribers are unaffected."""
    heard: list[str] = []

    def explode(execution: Execution) -> None:
        raise RuntimeError("boom")

    async def explode_later(execution: Execution) -> None:
        raise ValueError("later")

    definition = StateMachine.from_definition(machine(("P", {"Type": "Pass"})), name="test")
    with structlog.testing.capture_logs() as logs:
        async with Engine(clock=VirtualClock()) as engine:
            engine.subscribe(explode)
            engine.subscribe(explode_later)
            engine.subscribe(lambda execution: heard.append(execution.name))
            first = await engine.start_execution(definition, {}, name="first")
            second = await engine.start_execution(definition, {}, name="second")
            assert await first.result() == {}
            assert await second.result() == {}
            await settle(lambda: len(logs) == 8)
    assert sorted(heard) == ["first", "second"]
    failed = [line for line in logs if line["event"] == "an execution subscriber failed"]
    assert len(failed) == 4
    assert {line["log_level"] for line in failed} == {"error"}


async def test_subscribe_rejects_what_is_not_callable() -> None:
    """subscribe() raises TypeError for an object that cannot be called."""
    engine = Engine()
    with pytest.raises(TypeError, match="subscribe needs a callable"):
        engine.subscribe("not a function")  # type: ignore[arg-type]


def test_subscribe_rejects_an_unknown_status() -> None:
    """subscribe() raises ValueError for a status no execution closes with."""
    engine = Engine()
    with pytest.raises(ValueError, match=r"unknown execution statuses \['RUNNING'\]"):
        engine.subscribe(print, statuses={"RUNNING"})


async def test_payloads_stay_out_of_spans_and_logs_by_default(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """Without record_payloads, no span attribute or log line holds an input or output."""
    secret = "4111-1111-1111-1111"
    with structlog.testing.capture_logs(
        processors=[structlog.contextvars.merge_contextvars]
    ) as logs:
        await run(RETRYING, {"card": secret}, tasks=[flaky_task()], tracer_provider=provider)
    spans = exporter.get_finished_spans()
    assert spans
    for span in spans:
        assert span.attributes is not None
        assert "orchestra.input" not in span.attributes
        assert "orchestra.output" not in span.attributes
        assert secret not in json.dumps(dict(span.attributes))
    assert secret not in repr(logs)


async def test_record_payloads_puts_truncated_payloads_on_spans(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """With record_payloads, spans carry inputs and outputs as JSON cut to 2 KiB."""
    big = {"text": "x" * 5000}
    await run(
        machine(("Work", {"Type": "Task", "Resource": WORK})),
        {"small": 1},
        tasks=[work],
        tracer_provider=provider,
        record_payloads=True,
    )
    await run(machine(("P", {"Type": "Pass"})), big, tracer_provider=provider, record_payloads=True)
    spans = exporter.get_finished_spans()
    small_root, big_root = named(spans, "orchestra.execution")
    assert attr(small_root, "orchestra.input") == '{"small":1}'
    assert attr(small_root, "orchestra.output") == '{"small":1}'
    attempt = only(named(spans, "orchestra.task"))
    assert attr(attempt, "orchestra.input") == '{"small":1}'
    assert attr(attempt, "orchestra.output") == '{"small":1}'
    recorded = attr(big_root, "orchestra.input")
    assert len(recorded.encode()) == 2048
    assert recorded.startswith('{"text":"xxx')


def test_logging_configure_writes_json_lines_with_the_bound_context() -> None:
    """orchestra.logging.configure(json=True) writes JSON lines merging contextvars."""
    stream = io.StringIO()
    try:
        orchestra.logging.configure(json=True, level="info", stream=stream)
        logger = structlog.get_logger("app")
        with structlog.contextvars.bound_contextvars(root_execution="order-1"):
            logger.debug("hidden")
            logger.info("shown", step=2)
    finally:
        structlog.reset_defaults()
    line = json.loads(stream.getvalue())
    assert line["event"] == "shown"
    assert line["level"] == "info"
    assert line["root_execution"] == "order-1"
    assert line["step"] == 2
    assert "timestamp" in line


def test_logging_configure_rejects_an_unknown_level() -> None:
    """An unknown level name raises ValueError naming it."""
    with pytest.raises(ValueError, match="unknown log level 'loud'"):
        orchestra.logging.configure(level="loud")


class _Collector(http.server.BaseHTTPRequestHandler):
    """A minimal OTLP/HTTP receiver: decodes ExportTraceServiceRequest bodies."""

    received: list[Any]

    def do_POST(self) -> None:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
            ExportTraceServiceResponse,
        )

        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if self.path != "/v1/traces":
            self.send_response(404)
            self.end_headers()
            return
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        self.server.received.append(request)  # type: ignore[attr-defined]
        reply = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[tuple[str, list[Any]]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1/traces", server.received  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def test_spans_reach_an_otlp_http_collector_in_one_trace(
    collector: tuple[str, list[Any]],
) -> None:
    """Exported over OTLP/HTTP, a run with two Parallel branches arrives as one span tree."""
    otlp = pytest.importorskip(
        "opentelemetry.exporter.otlp.proto.http.trace_exporter",
        reason="the 'otlp' extra (opentelemetry-exporter-otlp-proto-http) is not installed",
    )
    import requests
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    endpoint, received = collector
    session = requests.Session()
    session.trust_env = False  # a proxy from the environment must not see loopback traffic
    provider = TracerProvider()
    provider.add_span_processor(
        BatchSpanProcessor(otlp.OTLPSpanExporter(endpoint=endpoint, session=session, timeout=5))
    )
    definition = {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": n, "States": {n: {"Type": "Task", "Resource": WORK, "End": True}}}
                    for n in ("Left", "Right")
                ],
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }
    execution, _ = await run(definition, {}, tasks=[work], tracer_provider=provider)
    await anyio.to_thread.run_sync(provider.shutdown)
    session.close()

    spans = [
        span
        for request in received
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    assert {span.trace_id.hex() for span in spans} == {trace_id_for(execution)}

    def attributes(span: Any) -> dict[str, Any]:
        return {kv.key: getattr(kv.value, kv.value.WhichOneof("value")) for kv in span.attributes}

    def under(parent: Any) -> list[Any]:
        return [span for span in spans if span.parent_span_id == parent.span_id]

    def describe(span: Any) -> Any:
        found = attributes(span)
        label = found.get("orchestra.index", found.get("orchestra.state.name"))
        return (span.name, label, sorted((describe(child) for child in under(span)), key=str))

    root = only([span for span in spans if span.name == "orchestra.execution"])
    assert attributes(root)["orchestra.root_execution.name"] == "run"
    left = ("orchestra.branch", 0, [("orchestra.state", "Left", [("orchestra.task", "Left", [])])])
    right = (
        "orchestra.branch",
        1,
        [("orchestra.state", "Right", [("orchestra.task", "Right", [])])],
    )
    fan = ("orchestra.state", "Fan", [left, right])
    done = ("orchestra.state", "Done", [])
    assert describe(root) == ("orchestra.execution", None, sorted([fan, done], key=str))
    assert len(spans) == 9
