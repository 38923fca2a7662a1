"""orchestra on the shared peer workloads, beside the peers' recorded results.

    python benchmarks/peers.py [--runs 5] [--workloads W1,W4]

Runs the workloads of ``../shared/benchmarks/workloads`` (W1-W6: Pass chains, Maps, a
Parallel, a Choice loop, 1,000 concurrent executions, 1,000 one-second Waits) exactly as the
peer drivers do: one warm-up, then timed runs from starting the execution(s) until every
output is known, each output checked against the expected one. It prints orchestra's median
beside the medians recorded for the plain-anyio baseline, aws-local-stepfunctions and moto
on the same kind of machine. Real time throughout (Waits really wait).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import structlog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestra import Engine, StateMachine

KIT = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
PEERS = ("anyio-baseline", "als", "moto")
LABELS = {"anyio-baseline": "plain anyio", "als": "aws-local-sfn", "moto": "moto"}


def load(name: str, spec: dict[str, Any]) -> tuple[Any, list[Any], list[Any]]:
    folder = KIT / "workloads"

    def read(key: str) -> Any:
        return json.loads((folder / spec[key]).read_text())

    definition = read("definition")
    if "inputs" in spec:
        return definition, read("inputs"), read("expected_each")
    return definition, [read("input")], [read("expected")]


async def run_workload(name: str, spec: dict[str, Any], runs: int) -> list[float]:
    definition, inputs, expected = load(name, spec)
    machine = StateMachine.from_definition(definition, name=name.lower())
    times: list[float] = []
    # W2's inline Map of 10,000 items records 40,000 events, past AWS's 25,000 (the peers keep
    # no such limit): the limit is raised for the comparison.
    async with Engine(max_history_events=100_000) as engine:
        for attempt in range(runs + 1):
            start = time.perf_counter()
            executions = [await engine.start_execution(machine, data) for data in inputs]
            outputs = [await execution.result() for execution in executions]
            elapsed = time.perf_counter() - start
            if outputs != expected:
                raise SystemExit(f"{name}: orchestra's output differs from the expected output")
            if attempt:  # the first run is the warm-up
                times.append(elapsed)
    return times


def recorded() -> dict[tuple[str, str], float]:
    medians = {}
    for path in sorted((KIT / "recorded").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            if row.get("ok"):
                engine = "als" if row["engine"] == "aws-local-stepfunctions" else row["engine"]
                medians[engine, row["workload"]] = row["median"]
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workloads", default="", help="comma-separated, e.g. W1,W4")
    args = parser.parse_args()
    if not (KIT / "workloads" / "manifest.json").exists():
        raise SystemExit(f"the shared benchmark kit is not at {KIT}")
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))
    manifest = json.loads((KIT / "workloads" / "manifest.json").read_text())
    wanted = set(filter(None, args.workloads.split(","))) or set(manifest)
    peers = recorded()
    print(
        f"{'workload':8} {'orchestra':>10} "
        + " ".join(f"{LABELS[peer]:>16}" for peer in PEERS)
        + "  (medians, seconds)"
    )
    for name, spec in manifest.items():
        if name not in wanted:
            continue
        median = statistics.median(anyio.run(run_workload, name, spec, args.runs))
        cells = []
        for peer in PEERS:
            value = peers.get((peer, name))
            cells.append(f"{value:>9.4f} {value / median:5.1f}x" if value else f"{'-':>16}")
        print(f"{name:8} {median:>10.4f} " + " ".join(cells))
    print(
        "each peer's median, then how many times orchestra's median fits in it (>1: orchestra is faster)"
    )


if __name__ == "__main__":
    main()
