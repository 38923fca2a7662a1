"""This checkout against another revision of orchestra, on the same workloads, in one run.

    python benchmarks/compare.py [--baseline HEAD~1] [--rounds 5] [--runs 7] [--only W1,W4]

The baseline revision is checked out into a temporary git worktree. Each round runs every
workload once per checkout, alternating which goes first, each in a fresh process (so
neither inherits the other's warm caches or garbage); a process times ``--runs`` runs after
a warm-up and reports their median. The figure per checkout is the median over rounds, and
the ratio this/baseline is what a change did to the engine's speed (below 1: faster).
Workloads are those of ``run.py`` (W1-W5 mirror the shared peer kit), defined once here for
both checkouts, so only the engine differs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
WORKLOADS = ("W1", "W1J", "W4", "W5", "W2", "W2b", "W3", "W7")


def child(root: str, workload: str, runs: int) -> None:
    """Time one workload on the orchestra found at ``root``; print the median as JSON."""
    sys.path.insert(0, root)
    import anyio

    import orchestra  # the engine under test, imported before run.py can choose another

    sys.path.insert(1, str(HERE.parent))
    import run as workloads

    orchestra.logging.configure(level="warning")

    async def main() -> float:
        items = [{"id": k} for k in range(10_000)]
        machines: dict[str, tuple[Any, Any]] = {
            "W1": (workloads.w1_definition(), {"i": 0}),
            "W1J": (workloads.w1_jsonata_definition(), {"i": 0}),
            "W4": (workloads.W4_DEFINITION, {"n": 0}),
            "W5": (workloads.W5_DEFINITION, [{"id": k} for k in range(1000)]),
            "W2": (workloads.map_definition(0), items),
            "W2b": (workloads.map_definition(40), items),
            "W3": (workloads.W3_DEFINITION, {"in": 1}),
            "W7": (workloads.map_definition(100, workloads.ECHO), items),
        }
        definition, data = machines[workload]
        machine = orchestra.StateMachine.from_definition(definition, name=workload.lower())
        async with orchestra.Engine(tasks=[workloads.echo]) as engine:

            async def once() -> Any:
                if workload == "W5":
                    return await workloads.run_many(engine, machine, data)
                return await workloads.run_once(engine, machine, data)

            await once()
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                await once()
                times.append(time.perf_counter() - start)
        return statistics.median(times)

    print(json.dumps({"median": anyio.run(main)}))


def measure(python: str, root: Path, workload: str, runs: int) -> float:
    command = [python, str(HERE), "--child", str(root), "--workload", workload]
    out = subprocess.run(
        [*command, "--runs", str(runs)], check=True, capture_output=True, text=True
    ).stdout
    return float(json.loads(out.strip().splitlines()[-1])["median"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", default="HEAD", help="the git revision to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", default="W1,W2,W2b,W3,W4,W5", help="comma-separated names")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workload", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.workload, args.runs)
        return
    names = [name for name in args.only.split(",") if name]
    unknown = set(names) - set(WORKLOADS)
    if unknown:
        parser.error(f"unknown workloads: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory() as scratch:
        baseline = Path(scratch) / "baseline"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(baseline), args.baseline],
            check=True,
            capture_output=True,
        )
        try:
            revision = subprocess.run(
                ["git", "-C", str(baseline), "rev-parse", "--short", "HEAD"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            print(f"this checkout against {args.baseline} ({revision}), medians in ms")
            print(f"{'workload':8} {'baseline':>10} {'this':>10} {'ratio':>7}")
            for name in names:
                times: dict[Path, list[float]] = {baseline: [], ROOT: []}
                for round_ in range(args.rounds):
                    order = (baseline, ROOT) if round_ % 2 == 0 else (ROOT, baseline)
                    for root in order:
                        times[root].append(measure(sys.executable, root, name, args.runs))
                before = statistics.median(times[baseline])
                after = statistics.median(times[ROOT])
                print(f"{name:8} {before * 1e3:10.2f} {after * 1e3:10.2f} {after / before:7.3f}")
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(baseline)],
                check=True,
                capture_output=True,
            )


if __name__ == "__main__":
    main()
