"""Engine overhead against the same logic written as plain Python, measured in one run.

    python benchmarks/run.py [--runs 7] [--only W1,W4]

Each workload prints the median wall time of orchestra and of its plain baseline (the same
input in, the same output out, no ASL), and their ratio. Workloads mirror the shared peer kit:
W1: 1,000 Pass states in a row with Parameters and ResultPath.
W4: a 1,000-turn loop of a Pass with States.MathAdd and a Choice (2,000 transitions).
W5: 1,000 executions of a 5-state Pass machine started at once.
The clock covers starting the execution(s) until every output is known; compiling the
definition happens before it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestra import Engine, StateMachine


def w1_definition(count: int = 1000) -> dict[str, Any]:
    states = {}
    for k in range(count):
        state: dict[str, Any] = {
            "Type": "Pass",
            "Parameters": {"i.$": "$.i", "x": k},
            "ResultPath": "$.r",
        }
        if k + 1 < count:
            state["Next"] = f"S{k + 1}"
        else:
            state["End"] = True
        states[f"S{k}"] = state
    return {"StartAt": "S0", "States": states}


def w1_plain(data: dict[str, Any], count: int = 1000) -> dict[str, Any]:
    for k in range(count):
        data = {**data, "r": {"i": data["i"], "x": k}}
    return data


W4_DEFINITION = {
    "StartAt": "Increment",
    "States": {
        "Increment": {
            "Type": "Pass",
            "Parameters": {"n.$": "States.MathAdd($.n, 1)"},
            "Next": "Check",
        },
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.n", "NumericLessThan": 1000, "Next": "Increment"}],
            "Default": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


def w4_plain(data: dict[str, Any]) -> dict[str, Any]:
    while True:
        data = {"n": data["n"] + 1}
        if not data["n"] < 1000:
            return data


W5_DEFINITION = {
    "StartAt": "P0",
    "States": {
        **{f"P{k}": {"Type": "Pass", "Next": f"P{k + 1}"} for k in range(4)},
        "P4": {"Type": "Pass", "Result": "done", "ResultPath": "$.status", "End": True},
    },
}


async def run_once(engine: Engine, machine: StateMachine, data: Any) -> Any:
    execution = await engine.start_execution(machine, data)
    return await execution.result()


async def run_many(engine: Engine, machine: StateMachine, inputs: list[Any]) -> list[Any]:
    executions = [await engine.start_execution(machine, data) for data in inputs]
    return [await execution.result() for execution in executions]


async def plain_many(inputs: list[Any]) -> list[Any]:
    results: list[Any] = [None] * len(inputs)

    async def one(index: int, data: dict[str, Any]) -> None:
        for _ in range(4):
            await anyio.lowlevel.checkpoint()
        results[index] = {**data, "status": "done"}

    async with anyio.create_task_group() as group:
        for index, data in enumerate(inputs):
            group.start_soon(one, index, data)
    return results


async def timed(fn: Callable[[], Awaitable[Any]], runs: int) -> tuple[float, Any]:
    await fn()  # warm-up
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = await fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


async def main(runs: int, only: set[str] | None) -> None:
    rows = []
    async with Engine() as engine:
        if not only or "W1" in only:
            machine = StateMachine.from_definition(w1_definition(), name="w1")
            engine_time, output = await timed(lambda: run_once(engine, machine, {"i": 0}), runs)

            async def plain_w1() -> Any:
                return w1_plain({"i": 0})

            plain_time, expected = await timed(plain_w1, runs)
            assert output == expected, "W1 output differs from the baseline"
            rows.append(
                ("W1", "1,000 Pass states (Parameters, ResultPath)", engine_time, plain_time, 1000)
            )
        if not only or "W4" in only:
            machine = StateMachine.from_definition(W4_DEFINITION, name="w4")
            engine_time, output = await timed(lambda: run_once(engine, machine, {"n": 0}), runs)

            async def plain_w4() -> Any:
                return w4_plain({"n": 0})

            plain_time, expected = await timed(plain_w4, runs)
            assert output == expected, "W4 output differs from the baseline"
            rows.append(("W4", "1,000 x (MathAdd Pass, Choice)", engine_time, plain_time, 2001))
        if not only or "W5" in only:
            machine = StateMachine.from_definition(W5_DEFINITION, name="w5")
            inputs = [{"id": k} for k in range(1000)]
            engine_time, outputs = await timed(lambda: run_many(engine, machine, inputs), runs)
            plain_time, expected = await timed(lambda: plain_many(inputs), runs)
            assert outputs == expected, "W5 outputs differ from the baseline"
            rows.append(("W5", "1,000 executions x 5 Pass states", engine_time, plain_time, 5000))

    print(
        f"{'workload':8} {'what':44} {'orchestra':>11} {'plain':>11} {'ratio':>8} {'per state':>10}"
    )
    for name, title, engine_time, plain_time, transitions in rows:
        per_state = engine_time / transitions * 1e6
        print(
            f"{name:8} {title:44} {engine_time * 1e3:9.2f}ms {plain_time * 1e3:9.3f}ms "
            f"{engine_time / plain_time:7.1f}x {per_state:8.2f}us"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", default="", help="comma-separated workload names")
    args = parser.parse_args()
    anyio.run(main, args.runs, set(filter(None, args.only.split(","))) or None)
