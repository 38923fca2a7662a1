"""Export a run's spans over OTLP/HTTP, with JSON logs that carry the same trace ID.

    pip install -e '.[otlp]'
    OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 python examples/tracing/run.py
    python examples/tracing/run.py --console    # no collector: print the spans instead

A parent execution fans out to two Parallel branches: one checks stock in a sync task (a
worker thread), one quotes shipping in an async task that fails once and is retried. Open the
printed trace ID in Jaeger, Tempo, Honeycomb or any OTLP backend to see the tree:
execution > state > branch > state > task attempt.
"""

from __future__ import annotations

import argparse
from typing import Any

import anyio
import structlog
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
)

import orchestra.logging
from orchestra import Engine, StateMachine, TaskContext, TaskFailed, task, trace_id_for

log = structlog.get_logger("shop")

DEFINITION = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "CheckStock",
                    "States": {
                        "CheckStock": {"Type": "Task", "Resource": "check-stock", "End": True}
                    },
                },
                {
                    "StartAt": "QuoteShipping",
                    "States": {
                        "QuoteShipping": {
                            "Type": "Task",
                            "Resource": "quote-shipping",
                            "Retry": [{"ErrorEquals": ["Carrier.Busy"], "IntervalSeconds": 1}],
                            "End": True,
                        }
                    },
                },
            ],
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


@task("check-stock")
def check_stock(order: dict[str, Any]) -> dict[str, Any]:
    # Runs in a worker thread; the log line still carries the run's context.
    log.info("checking stock", items=len(order["items"]))
    return {"inStock": True}


@task("quote-shipping")
async def quote_shipping(order: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
    if ctx.retry_count == 0:
        raise TaskFailed("Carrier.Busy", "the carrier did not answer")
    log.info("shipping quoted", attempt=ctx.retry_count)
    return {"price": 4.9}


async def main(console: bool) -> None:
    orchestra.logging.configure(json=True)
    provider = TracerProvider(resource=Resource.create({"service.name": "orchestra-example"}))
    if console:
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        # The endpoint comes from OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318).
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    machine = StateMachine.from_definition(DEFINITION, name="shop")
    try:
        async with Engine(tasks=[check_stock, quote_shipping], tracer_provider=provider) as engine:
            execution = await engine.start_execution(machine, {"items": ["desk", "lamp"]})
            await execution.wait()
    finally:
        provider.shutdown()  # flushes the spans still queued
    print(f"execution {execution.name}: {execution.status}")
    print(f"trace ID: {trace_id_for(execution)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--console", action="store_true", help="print spans, export nothing")
    anyio.run(main, parser.parse_args().console)
