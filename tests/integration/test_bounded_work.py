"""Work a definition or an input asks for is bounded: it fails its state, it never hangs."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

from orchestra import Engine, StateMachine, task
from orchestra.testing import VirtualClock
from tests.helpers import FastClock, machine, run

pytestmark = pytest.mark.anyio

FN = "arn:aws:lambda:us-east-1:123456789012:function:stuck"


def jsonata(output: str) -> dict[str, Any]:
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Eval",
        "States": {"Eval": {"Type": "Pass", "Output": output, "End": True}},
    }


async def test_a_backtracking_regex_is_stopped_by_the_time_limit() -> None:
    """``$match`` with a catastrophic pattern fails its state once the time limit passes."""
    definition = jsonata("{% $match($states.input.s, /(a+)+$/) %}")
    with anyio.fail_after(5):
        execution, _ = await run(definition, {"s": "a" * 40 + "b"}, jsonata_timeout=0.05)
    assert execution.error == "States.QueryEvaluationError"
    assert execution.cause is not None
    assert execution.cause.endswith(
        "threw an error during evaluation. D1012: Evaluation timeout after 50 milliseconds. "
        "Check for infinite loop"
    )


async def test_parse_refuses_json_nested_too_deeply() -> None:
    """``$parse`` reads JSON with the engine's bound on nesting."""
    definition = jsonata("{% $parse($states.input.s) %}")
    execution, _ = await run(definition, {"s": "[" * 100_000 + "]" * 100_000})
    assert execution.error == "States.QueryEvaluationError"
    assert execution.cause is not None
    assert execution.cause.endswith(
        "threw an error during evaluation. The argument of $parse is not valid JSON: "
        "it is nested more than 512 levels deep"
    )


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, "[NaN]", "-Infinity", "1e400", "9" * 400],
    ids=["deep", "nan", "infinity", "overflow", "long-integer"],
)
async def test_string_to_json_refuses_what_json_cannot_hold(text: str) -> None:
    """``States.StringToJson`` fails its state cleanly on text the engine cannot hold."""
    definition = machine(
        ("Parse", {"Type": "Pass", "Parameters": {"v.$": "States.StringToJson($.s)"}})
    )
    execution, _ = await run(definition, {"s": text})
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        "An error occurred while executing the state 'Parse' (entered at the event id #2). "
        "The function 'States.StringToJson($.s)' had the following error: "
        "Invalid arguments in States.StringToJson",
    )


async def test_seconds_path_beyond_a_long_does_not_parse() -> None:
    """A SecondsPath integer no Java long holds is refused as AWS refuses it."""
    definition = machine(("Nap", {"Type": "Wait", "SecondsPath": "$.s"}))
    execution, _ = await run(definition, {"s": 2**63})
    assert execution.cause == (
        "An error occurred while executing the state 'Nap' (entered at the event id #2). "
        f"The SecondsPath parameter cannot be parsed as a long value: $.s == {2**63}"
    )


def blocking_task(release: threading.Event, finished: threading.Event) -> Any:
    @task(FN)
    def stuck(payload: Any) -> str:
        release.wait(5)
        finished.set()
        return "late"

    return stuck


async def test_a_timeout_does_not_wait_for_a_stuck_sync_task() -> None:
    """TimeoutSeconds fails the state at once; the thread is abandoned, its result dropped."""
    release, finished = threading.Event(), threading.Event()
    definition = machine(("Call", {"Type": "Task", "Resource": FN, "TimeoutSeconds": 1}))
    try:
        with anyio.fail_after(3):
            execution, history = await run(
                definition, {}, tasks=[blocking_task(release, finished)], clock=FastClock()
            )
        assert not finished.is_set()
    finally:
        release.set()
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")
    assert history[-2].type == "LambdaFunctionTimedOut"
    assert await anyio.to_thread.run_sync(finished.wait, 2)


async def test_fail_fast_does_not_wait_for_a_stuck_sync_task() -> None:
    """A failing branch fails its Parallel at once, whatever a sibling's thread is doing."""
    release, finished = threading.Event(), threading.Event()
    branches = [
        {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": FN, "End": True}}},
        {
            "StartAt": "Later",
            "States": {
                "Later": {"Type": "Wait", "Seconds": 1, "Next": "Boom"},
                "Boom": {"Type": "Fail", "Error": "Boom"},
            },
        },
    ]
    definition = machine(("Both", {"Type": "Parallel", "Branches": branches}))
    try:
        with anyio.fail_after(3):
            execution, _ = await run(
                definition, {}, tasks=[blocking_task(release, finished)], clock=FastClock()
            )
        assert not finished.is_set()
    finally:
        release.set()
    assert (execution.status, execution.error) == ("FAILED", "Boom")
    assert await anyio.to_thread.run_sync(finished.wait, 2)


async def ticks_during(definition: dict[str, Any], data: Any) -> tuple[Any, int]:
    """Run ``definition`` beside a task that counts its turns; the output and the turns."""
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await anyio.lowlevel.checkpoint()

    async with Engine(clock=VirtualClock()) as engine, anyio.create_task_group() as group:
        group.start_soon(tick)
        execution = await engine.start_execution(StateMachine.from_definition(definition), data)
        before = ticks
        await execution.wait()
        group.cancel_scope.cancel()
    return execution.output, ticks - before


class IterationCounter(SpanProcessor):
    """Counts the Map iterations begun so far, from their spans."""

    def __init__(self) -> None:
        self.begun = 0

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        if span.name == "orchestra.iteration":
            self.begun += 1


async def test_a_long_map_lets_other_executions_run() -> None:
    """Iterations of instant states yield now and then, so other work runs in between."""
    definition = machine(
        (
            "Each",
            {
                "Type": "Map",
                "MaxConcurrency": 1,
                "ItemProcessor": {
                    "StartAt": "Copy",
                    "States": {"Copy": {"Type": "Pass", "Parameters": {"n.$": "$"}, "End": True}},
                },
            },
        )
    )
    counter = IterationCounter()
    provider = TracerProvider()
    provider.add_span_processor(counter)
    seen: list[int] = []

    async def watch() -> None:
        while True:
            seen.append(counter.begun)
            await anyio.lowlevel.checkpoint()

    machine_ = StateMachine.from_definition(definition)
    engine = Engine(clock=VirtualClock(), tracer_provider=provider)
    async with engine, anyio.create_task_group() as group:
        group.start_soon(watch)
        # 5,000 iterations record 20,000 events, within AWS's 25,000.
        execution = await engine.start_execution(machine_, list(range(5000)))
        await execution.wait()
        group.cancel_scope.cancel()
    assert execution.status == "SUCCEEDED"
    assert any(0 < begun < 5000 for begun in seen)


async def test_a_long_loop_lets_other_executions_run() -> None:
    """A loop of instant states yields to the event loop, so other work is not starved."""
    definition = {
        "StartAt": "Count",
        "States": {
            "Count": {
                "Type": "Pass",
                "Parameters": {"n.$": "States.MathAdd($.n, 1)"},
                "Next": "More",
            },
            "More": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericLessThan": 5000, "Next": "Count"}],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }
    output, ticks = await ticks_during(definition, {"n": 0})
    assert output == {"n": 5000}
    assert ticks > 0
