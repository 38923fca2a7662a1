"""Compile time of this checkout against another revision, on the same definitions, in one run.

    python benchmarks/compile_time.py [--baseline HEAD~1] [--rounds 5] [--runs 9] [--warm]

Each workload loads its definitions once and then times ``StateMachine.from_definition`` on
them (validation and compilation). The baseline revision is checked out into a temporary git
worktree; each round times every workload once per checkout, alternating which goes first,
each in a fresh process that compiles a small machine first (so that imports are not timed)
and then reports the median of ``--runs`` compiles. The figure per checkout is the median over
rounds; the ratio this/baseline is below 1 where this checkout compiles faster.

Every timed compile starts from empty memo caches (any ``cache_clear`` found on a function of
``orchestra``), so a figure is the cost of compiling one machine as if it were the first;
``--warm`` keeps the caches between compiles instead (a machine compiled again).

Workloads:
chain: 1,000 states alternating Pass (InputPath, Parameters with a path and an intrinsic,
ResultPath, OutputPath) and Choice (two rules, one an And with a Path comparison), every
state using the same texts.
distinct: the same chain where each state's texts are its own.
jsonata: 1,000 JSONata Pass states, each with an Output expression and an Assign.
realworld: every definition of ../shared/realworld that compiles as stored, one after another.
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
REALWORLD = ROOT.parent / "shared" / "realworld"
WORKLOADS = ("chain", "distinct", "jsonata", "realworld")


def chain(count: int = 1000, *, distinct: bool = False) -> dict[str, Any]:
    """A Pass/Choice chain of ``count`` states; ``distinct`` gives each state its own texts."""
    states: dict[str, Any] = {}
    for k in range(count):
        tag = f"{k}" if distinct else ""
        following = f"S{k + 1}"
        if k % 2 == 0:
            state: dict[str, Any] = {
                "Type": "Pass",
                "InputPath": f"$.in{tag}" if distinct else "$",
                "Parameters": {
                    "i.$": f"$.i{tag}",
                    "n.$": f"States.MathAdd($.i{tag}, 1)",
                    "label.$": f"States.Format('state {{}}', $.name{tag})",
                    "k": k,
                },
                "ResultPath": f"$.r{tag}",
                "OutputPath": "$",
            }
        else:
            state = {
                "Type": "Choice",
                "Choices": [
                    {"Variable": f"$.r{tag}.n", "NumericGreaterThan": k, "Next": following},
                    {
                        "And": [
                            {"Variable": f"$.i{tag}", "IsPresent": True},
                            {"Variable": f"$.r{tag}.i", "NumericLessThanEqualsPath": f"$.i{tag}"},
                        ],
                        "Next": following,
                    },
                ],
                "Default": following,
            }
        if k + 1 == count:
            state = {"Type": "Pass", "End": True}
        elif state["Type"] == "Pass":
            state["Next"] = following
        states[f"S{k}"] = state
    return {"StartAt": "S0", "States": states}


def jsonata_chain(count: int = 1000) -> dict[str, Any]:
    """``count`` JSONata Pass states, each merging a value into its input."""
    states: dict[str, Any] = {}
    for k in range(count):
        state: dict[str, Any] = {
            "Type": "Pass",
            "Assign": {"seen": "{% $states.input.i %}"},
            "Output": "{% $merge([$states.input, {'i': $states.input.i + 1}]) %}",
        }
        if k + 1 < count:
            state["Next"] = f"S{k + 1}"
        else:
            state["End"] = True
        states[f"S{k}"] = state
    return {"QueryLanguage": "JSONata", "StartAt": "S0", "States": states}


def _clear_memos() -> None:
    for name, module in list(sys.modules.items()):
        if name.startswith("orchestra"):
            for value in list(vars(module).values()):
                clear = getattr(value, "cache_clear", None)
                if callable(clear):
                    clear()


def child(root: str, workload: str, runs: int, warm: bool) -> None:
    """Time one workload on the orchestra found at ``root``; print the median as JSON."""
    sys.path.insert(0, root)
    import orchestra  # the engine under test
    from orchestra._definition.load import load_definition_file

    definitions: list[dict[str, Any]]
    if workload == "chain":
        definitions = [chain()]
    elif workload == "distinct":
        definitions = [chain(distinct=True)]
    elif workload == "jsonata":
        definitions = [jsonata_chain()]
    else:
        definitions = []
        for path in sorted(REALWORLD.iterdir()):
            if path.name == "index.json" or path.suffix not in {".json", ".yaml", ".yml", ".asl"}:
                continue
            try:
                definition = load_definition_file(path)
                orchestra.StateMachine.from_definition(definition)
            except orchestra.DefinitionError:
                continue
            definitions.append(definition)
    # Imports and first-use costs are paid here, on a machine of another workload.
    orchestra.StateMachine.from_definition(chain(20))
    orchestra.StateMachine.from_definition(jsonata_chain(20))
    times = []
    for _ in range(runs):
        if not warm:
            _clear_memos()
        start = time.perf_counter()
        for definition in definitions:
            orchestra.StateMachine.from_definition(definition)
        times.append(time.perf_counter() - start)
    print(json.dumps({"median": statistics.median(times), "machines": len(definitions)}))


def measure(root: Path, workload: str, runs: int, warm: bool) -> tuple[float, int]:
    command = [sys.executable, str(HERE), "--child", str(root), "--workload", workload]
    command += ["--runs", str(runs)] + (["--warm"] if warm else [])
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return float(result["median"]), int(result["machines"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", default="HEAD", help="the git revision to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--warm", action="store_true", help="keep memo caches between compiles")
    parser.add_argument("--only", default=",".join(WORKLOADS), help="comma-separated names")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workload", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.workload, args.runs, args.warm)
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
            caches = "warm caches" if args.warm else "cold caches"
            print(f"compile time, this checkout against {args.baseline} ({revision}), {caches}")
            print(
                f"{'workload':10} {'machines':>8} {'baseline ms':>12} {'this ms':>10} {'ratio':>7}"
            )
            for name in names:
                times: dict[Path, list[float]] = {baseline: [], ROOT: []}
                machines = {baseline: 0, ROOT: 0}
                for round_ in range(args.rounds):
                    order = (baseline, ROOT) if round_ % 2 == 0 else (ROOT, baseline)
                    for root in order:
                        median, machines[root] = measure(root, name, args.runs, args.warm)
                        times[root].append(median)
                before = statistics.median(times[baseline])
                after = statistics.median(times[ROOT])
                counted = (
                    str(machines[ROOT])
                    if machines[ROOT] == machines[baseline]
                    else f"{machines[baseline]}/{machines[ROOT]}"
                )
                print(
                    f"{name:10} {counted:>8} {before * 1e3:12.2f} {after * 1e3:10.2f}"
                    f" {after / before:7.3f}"
                )
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(baseline)],
                check=True,
                capture_output=True,
            )


if __name__ == "__main__":
    main()
