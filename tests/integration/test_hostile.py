"""Hostile inputs, task behaviours and definitions thrown at a running engine.

Whatever is thrown, four things hold: no exception escapes the engine (only the typed errors
the API documents reach the caller), a bystander execution beside it succeeds with its whole
history, every hostile execution closes within a bounded time, and the engine's memory stays
bounded while it does.
"""

from __future__ import annotations

import asyncio
import math
import threading
import tracemalloc
from datetime import datetime
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestra import (
    DefinitionError,
    Engine,
    InvalidExecutionInput,
    StateMachine,
    TaskFailed,
    task,
)
from orchestra.testing import VirtualClock
from tests.helpers import machine

FN = "arn:aws:lambda:us-east-1:123456789012:function:hostile"
SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

BYSTANDER = StateMachine.from_definition(
    machine(
        ("Rest", {"Type": "Wait", "Seconds": 3}),
        ("Shape", {"Type": "Pass", "Parameters": {"fine.$": "$.fine", "twice.$": "$.fine"}}),
    ),
    name="bystander",
)
BYSTANDER_EVENTS = [
    "ExecutionStarted",
    "WaitStateEntered",
    "WaitStateExited",
    "PassStateEntered",
    "PassStateExited",
    "ExecutionSucceeded",
]


def nested(levels: int, leaf: Any = 0) -> Any:
    value = leaf
    for level in range(levels):
        value = [value] if level % 2 else {"k": value}
    return value


class Weird(BaseException):
    pass


class NoText(Exception):
    def __str__(self) -> str:
        raise ValueError("no")


looped: dict[str, Any] = {}
looped["again"] = looped

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
hostile_scalars = st.sampled_from(
    [
        math.nan,
        math.inf,
        -math.inf,
        10**400,
        -(10**320),
        2**63,
        object(),
        b"bytes",
        frozenset({1}),
        datetime(2026, 1, 1),
        "\ud800",
        "x" * 300_000,
        looped,
        "[" * 5000,
        '{"a":' * 3000,
    ]
)
deep_values = st.integers(min_value=300, max_value=3000).map(nested)
hostile_values = st.recursive(
    json_scalars | hostile_scalars | deep_values,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=6), children, max_size=4)
        | st.dictionaries(st.integers(), children, max_size=2)
    ),
    max_leaves=12,
)

# Definitions that read their input every way ASL can: paths, templates, intrinsics,
# JSONata, Wait paths, Map items, Choice rules.
CONSUMERS = [
    machine(
        (
            "Shape",
            {
                "Type": "Pass",
                "Parameters": {
                    "all.$": "$",
                    "text.$": "States.JsonToString($)",
                    "pair.$": "States.Array($, $)",
                },
            },
        ),
        ("Again", {"Type": "Pass", "Parameters": {"a.$": "$", "b.$": "$", "c.$": "$"}}),
    ),
    machine(("Parse", {"Type": "Pass", "Parameters": {"v.$": "States.StringToJson($.s)"}})),
    machine(("Nap", {"Type": "Wait", "SecondsPath": "$.s"})),
    machine(("Until", {"Type": "Wait", "TimestampPath": "$.s"})),
    machine(("Deep", {"Type": "Pass", "Parameters": {"found.$": "$..k"}})),
    machine(
        (
            "Each",
            {
                "Type": "Map",
                "ItemsPath": "$.s",
                "ItemSelector": {"item.$": "$$.Map.Item.Value", "all.$": "$"},
                "ItemProcessor": {
                    "StartAt": "Same",
                    "States": {"Same": {"Type": "Pass", "End": True}},
                },
            },
        )
    ),
    {
        "StartAt": "Pick",
        "States": {
            "Pick": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.s", "StringMatches": "*a*b*c*d*e*", "Next": "Done"},
                    {"Variable": "$.s", "NumericGreaterThan": 1e300, "Next": "Done"},
                    {
                        "Variable": "$.s",
                        "TimestampLessThan": "2026-01-01T00:00:00Z",
                        "Next": "Done",
                    },
                ],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    },
    {
        "QueryLanguage": "JSONata",
        "StartAt": "Eval",
        "States": {
            "Eval": {
                "Type": "Pass",
                "Output": {
                    "parsed": "{% $type($states.input.s) = 'string' ? $parse($states.input.s) : null %}",
                    "echo": "{% $states.input %}",
                    "joined": "{% $string($states.input) %}",
                },
                "End": True,
            }
        },
    },
]
CONSUMER_MACHINES = [
    StateMachine.from_definition(definition, name=f"consumer-{index}")
    for index, definition in enumerate(CONSUMERS)
]


async def beside_bystander(engine: Engine, start: Any, *, within: float = 10) -> list[Any]:
    """Run ``start(engine)`` (which starts hostile executions) next to a bystander."""
    other = await engine.start_execution(BYSTANDER, {"fine": [1, {"two": 2}]})
    with anyio.fail_after(within):
        executions = await start(engine)
        for execution in executions:
            await execution.wait()
        assert await other.result() == {"fine": [1, {"two": 2}], "twice": [1, {"two": 2}]}
    events = await engine.get_execution_history(other)
    assert [event.type for event in events] == BYSTANDER_EVENTS
    assert [event.id for event in events] == list(range(1, 7))
    for execution in executions:
        assert execution.done
        history = await engine.get_execution_history(execution)
        assert history[-1].type.startswith("Execution")
        assert history[-1].id == len(history)
    return executions


# A hostile Wait may pass months of virtual time; the histories looked at afterwards must
# not have left by the retention policy meanwhile (its own tests are in test_retention.py).
KEEP_FOR_A_CENTURY = 100 * 365 * 24 * 3600.0


def in_engine(anyio_backend: str, body: Any, **options: Any) -> None:
    async def main() -> None:
        options.setdefault("retention_seconds", KEEP_FOR_A_CENTURY)
        async with Engine(clock=VirtualClock(), **options) as engine:
            await body(engine)

    anyio.run(main, backend=anyio_backend)


@SETTINGS
@given(value=hostile_values, wrap=st.booleans())
def test_hostile_inputs_fail_alone(anyio_backend: str, value: Any, wrap: bool) -> None:
    """Any input: refused with InvalidExecutionInput, or each execution closes on its own."""
    data = {"s": value} if wrap else value

    async def start(engine: Engine) -> list[Any]:
        started = []
        for consumer in CONSUMER_MACHINES:
            try:
                started.append(await engine.start_execution(consumer, data))
            except InvalidExecutionInput:
                pass
        return started

    in_engine(anyio_backend, lambda engine: beside_bystander(engine, start))


TASK_ACTIONS = st.sampled_from(
    [
        "raise-exception",
        "raise-base-exception",
        "raise-system-exit",
        "raise-generator-exit",
        "raise-cancelled",
        "raise-no-text",
        "raise-task-failed-odd",
        "return-hostile",
        "mutate-input",
        "block-thread",
        "sleep-past-timeout",
        "heartbeat-then-hang",
    ]
)


def hostile_task(action: str, value: Any, release: threading.Event) -> Any:
    async def act(payload: Any, ctx: Any) -> Any:
        if action == "raise-exception":
            raise RuntimeError(value)
        if action == "raise-base-exception":
            raise Weird(value)
        if action == "raise-system-exit":
            raise SystemExit(value)
        if action == "raise-generator-exit":
            raise GeneratorExit
        if action == "raise-cancelled":
            if isinstance(value, str):
                raise asyncio.CancelledError
            raise RuntimeError("cancelled only on asyncio")
        if action == "raise-no-text":
            raise NoText
        if action == "raise-task-failed-odd":
            raise TaskFailed(value, value)
        if action == "mutate-input":
            payload.clear() if isinstance(payload, dict) else None
            return payload
        if action == "sleep-past-timeout":
            await ctx.sleep(10**6)
        if action == "heartbeat-then-hang":
            await ctx.heartbeat()
            await ctx.sleep(10**6)
        return value

    def block(payload: Any) -> Any:
        release.wait(5)
        return value

    return task(FN)(block if action == "block-thread" else act)


@SETTINGS
@given(action=TASK_ACTIONS, value=hostile_values, retry=st.booleans())
def test_hostile_tasks_fail_alone(anyio_backend: str, action: str, value: Any, retry: bool) -> None:
    """Whatever a task raises, returns or does, only its own execution is affected."""
    if action == "raise-cancelled" and anyio_backend != "asyncio":
        action = "raise-exception"
    release = threading.Event()
    state: dict[str, Any] = {"Type": "Task", "Resource": FN, "TimeoutSeconds": 30}
    if action == "heartbeat-then-hang":
        state["HeartbeatSeconds"] = 5
    if retry:
        state["Retry"] = [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}]
        state["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]
    hostile = StateMachine.from_definition(
        machine(("Call", state), ("Caught", {"Type": "Pass"})), name="hostile"
    )

    async def start(engine: Engine) -> list[Any]:
        executions = [await engine.start_execution(hostile, {"n": [1]}) for _ in range(2)]
        if action == "block-thread":
            # A blocked thread holds the virtual clock still; stopping moves on at once.
            await anyio.sleep(0.01)
            for execution in executions:
                await engine.stop_execution(execution, error="Stopped")
        return executions

    async def body(engine: Engine) -> None:
        try:
            await beside_bystander(engine, start)
        finally:
            release.set()

    in_engine(anyio_backend, body, tasks=[hostile_task(action, value, release)])


STEPS = st.sampled_from(
    [
        {"Type": "Pass", "Parameters": {"a.$": "$", "b.$": "$"}},
        {"Type": "Pass", "Parameters": {"a.$": "$"}},
        {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "ResultPath": "$.n"},
        {"Type": "Pass", "ResultPath": "$.copy"},
        {"Type": "Pass", "Parameters": {"s.$": "States.JsonToString($)"}},
        {"Type": "Pass", "Parameters": {"v.$": "States.StringToJson($.s)"}},
        {
            "Type": "Pass",
            "Parameters": {"r.$": "States.ArrayRange(1, 1000, 1)"},
            "ResultPath": "$.r",
        },
        {"Type": "Pass", "Assign": {"keep.$": "$"}},
        {"Type": "Pass", "Parameters": {"v.$": "$keep"}, "ResultPath": "$.v"},
        {"Type": "Wait", "Seconds": 100},
        {
            "Type": "Pass",
            "QueryLanguage": "JSONata",
            "Output": "{% [$states.input, $states.input] %}",
        },
        {
            "Type": "Pass",
            "QueryLanguage": "JSONata",
            "Output": "{% ($f := function($n){ $n > 0 ? [$f($n - 1)] : [] }; $f(100000)) %}",
        },
        {
            "Type": "Pass",
            "QueryLanguage": "JSONata",
            "Output": "{% $reduce([1..2000], function($acc){ [$acc] }, []) %}",
        },
        {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {
                "StartAt": "Inner",
                "States": {
                    "Inner": {"Type": "Pass", "Parameters": {"a.$": "$", "b.$": "$"}, "End": True}
                },
            },
            "ResultPath": "$.items",
        },
        {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
                {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "End": True}}},
            ],
        },
    ]
)


def hostile_definition(steps: list[dict[str, Any]], loops: bool) -> dict[str, Any]:
    """Chain ``steps``, renaming the states inside each so that names stay unique."""
    states: dict[str, Any] = {}
    for index, step in enumerate(steps):
        step = dict(step)
        if step["Type"] == "Map":
            step["ItemProcessor"] = {
                "StartAt": f"Inner{index}",
                "States": {f"Inner{index}": step["ItemProcessor"]["States"]["Inner"]},
            }
        if step["Type"] == "Parallel":
            step["Branches"] = [
                {
                    "StartAt": f"{side}{index}",
                    "States": {f"{side}{index}": {"Type": "Pass", "End": True}},
                }
                for side in ("Left", "Right")
            ]
        step["Next"] = f"S{index + 1}" if index + 1 < len(steps) else "Loop"
        states[f"S{index}"] = step
    states["Loop"] = (
        {
            "Type": "Choice",
            "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "End"}],
            "Default": "S0",
        }
        if loops
        else {"Type": "Pass", "Next": "End"}
    )
    states["End"] = {"Type": "Succeed"}
    return {"StartAt": "S0", "States": states}


@SETTINGS
@given(steps=st.lists(STEPS, min_size=1, max_size=5), loops=st.booleans())
def test_hostile_definitions_fail_alone(
    anyio_backend: str, steps: list[dict[str, Any]], loops: bool
) -> None:
    """Definitions that grow, nest, loop for ever or evaluate without end fail alone."""
    try:
        hostile = StateMachine.from_definition(hostile_definition(steps, loops), name="hostile")
    except DefinitionError:
        return

    async def start(engine: Engine) -> list[Any]:
        data = {"n": 0, "s": '{"x": 1}', "items": [1, 2, 3]}
        return [await engine.start_execution(hostile, data)]

    in_engine(
        anyio_backend,
        lambda engine: beside_bystander(engine, start, within=30),
        max_history_events=2000,
    )


@pytest.mark.parametrize(
    "step",
    [
        {"Type": "Pass", "Parameters": {"a.$": "$", "b.$": "$"}, "ResultPath": "$.x"},
        {
            "Type": "Pass",
            "QueryLanguage": "JSONata",
            "Output": "{% [$states.input, $states.input] %}",
        },
        {"Type": "Pass", "Parameters": {"s.$": "States.JsonToString($)", "t.$": "$"}},
    ],
    ids=["shared-template", "jsonata", "intrinsic"],
)
def test_growing_data_stays_within_bounded_memory(anyio_backend: str, step: dict[str, Any]) -> None:
    """A loop that doubles its data fails at the payload limit, long before memory runs out."""
    hostile = StateMachine.from_definition(hostile_definition([step], loops=True), name="grow")

    async def start(engine: Engine) -> list[Any]:
        return [await engine.start_execution(hostile, {"x": "y" * 100})]

    tracemalloc.start()
    try:
        in_engine(anyio_backend, lambda engine: beside_bystander(engine, start))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024
