"""Compile time of this checkout against another revision, on the same definitions, in one run.

    python benchmarks/compile_time.py [--baseline HEAD~1] [--rounds 5] [--runs 9] [--warm]

Each workload's definitions are loaded once; what is timed is ``StateMachine.from_definition``
on them (validation and compilation). The baseline's ``orchestra`` package is extracted from
git into a temporary folder. Each round times every workload once per revision, alternating
which goes first, each in a fresh process that first compiles two small machines (so that
imports are not timed) and reports the median of ``--runs`` compiles. A figure is the median
over rounds; the ratio this/baseline is below 1 where this checkout compiles faster.

Every timed compile starts from empty memos (any ``cache_clear`` found on a function of
``orchestra``): a figure is the cost of compiling one machine as if it were the first one.
``--warm`` keeps the memos between compiles instead: a machine compiled again.

Workloads:
chain: 1,000 states alternating Pass (InputPath, Parameters with a path and two intrinsics,
ResultPath, OutputPath) and Choice (two rules, one an And with a Path comparison), every
state using the same texts.
distinct: the same chain where each state's texts are its own.
jsonata: 1,000 JSONata Pass states, each with an Output expression and an Assign.
realworld: every definition of ../shared/realworld that compiles as stored, one after another.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
REALWORLD = ROOT.parent / "shared" / "realworld"
WORKLOADS = ("chain", "distinct", "jsonata", "realworld")


def _machine(bodies: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    """States S0, S1, ... from ``bodies``: each Pass goes to the next, the last one ends."""
    states = {f"S{k}": dict(body) for k, body in enumerate(bodies)}
    for k, state in enumerate(states.values()):
        if state["Type"] == "Pass":
            state.update({"Next": f"S{k + 1}"} if k + 1 < len(states) else {"End": True})
    return {**top, "StartAt": "S0", "States": states}


def _pass(tag: str, k: int) -> dict[str, Any]:
    return {
        "Type": "Pass",
        "InputPath": f"$.in{tag}" if tag else "$",
        "Parameters": {
            "i.$": f"$.i{tag}",
            "n.$": f"States.MathAdd($.i{tag}, 1)",
            "label.$": f"States.Format('state {{}}', $.name{tag})",
            "k": k,
        },
        "ResultPath": f"$.r{tag}",
        "OutputPath": "$",
    }


def _choice(tag: str, k: int) -> dict[str, Any]:
    following = f"S{k + 1}"
    both = [
        {"Variable": f"$.i{tag}", "IsPresent": True},
        {"Variable": f"$.r{tag}.i", "NumericLessThanEqualsPath": f"$.i{tag}"},
    ]
    return {
        "Type": "Choice",
        "Choices": [
            {"Variable": f"$.r{tag}.n", "NumericGreaterThan": k, "Next": following},
            {"And": both, "Next": following},
        ],
        "Default": following,
    }


def chain(count: int = 1000, *, distinct: bool = False) -> dict[str, Any]:
    """A Pass/Choice chain of ``count`` states; ``distinct`` gives each state its own texts."""
    bodies = [
        (_pass if k % 2 == 0 else _choice)(str(k) if distinct else "", k) for k in range(count - 1)
    ]
    return _machine([*bodies, {"Type": "Pass"}])


def jsonata_chain(count: int = 1000) -> dict[str, Any]:
    """``count`` JSONata Pass states, each merging a value into its input."""
    body = {
        "Type": "Pass",
        "Assign": {"seen": "{% $states.input.i %}"},
        "Output": "{% $merge([$states.input, {'i': $states.input.i + 1}]) %}",
    }
    return _machine([body] * count, QueryLanguage="JSONata")


def _definitions(workload: str, orchestra: Any) -> list[dict[str, Any]]:
    if workload != "realworld":
        made = {"chain": chain, "distinct": lambda: chain(distinct=True), "jsonata": jsonata_chain}
        return [made[workload]()]
    from orchestra._definition.load import load_definition_file

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
    return definitions


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

    definitions = _definitions(workload, orchestra)
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


def _extract(revision: str, into: Path) -> str:
    """Write the ``orchestra`` package of ``revision`` under ``into``; return its short hash."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "orchestra"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", revision],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def _timed(root: Path, workload: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, str(HERE), "--child", str(root), "--workload", workload]
    command += ["--runs", str(args.runs), *(["--warm"] if args.warm else [])]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _compare(roots: tuple[Path, Path], workload: str, args: argparse.Namespace) -> str:
    """One line: the workload, its machines, each revision's median over rounds, the ratio."""
    results: dict[Path, list[dict[str, Any]]] = {root: [] for root in roots}
    for round_ in range(args.rounds):
        for root in roots if round_ % 2 == 0 else roots[::-1]:
            results[root].append(_timed(root, workload, args))
    before, after = (statistics.median(r["median"] for r in results[root]) for root in roots)
    machines = "/".join(sorted({str(results[root][0]["machines"]) for root in roots}))
    return f"{workload:10} {machines:>8} {before * 1e3:12.2f} {after * 1e3:10.2f} {after / before:7.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", default="HEAD", help="the git revision to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--warm", action="store_true", help="keep the memos between compiles")
    parser.add_argument("--only", default=",".join(WORKLOADS), help="comma-separated names")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workload", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.workload, args.runs, args.warm)
        return
    names = [name for name in args.only.split(",") if name]
    if unknown := set(names) - set(WORKLOADS):
        parser.error(f"unknown workloads: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory() as scratch:
        revision = _extract(args.baseline, Path(scratch))
        memos = "warm memos" if args.warm else "cold memos"
        print(f"compile time, this checkout against {args.baseline} ({revision}), {memos}")
        print(f"{'workload':10} {'machines':>8} {'baseline ms':>12} {'this ms':>10} {'ratio':>7}")
        for name in names:
            print(_compare((Path(scratch), ROOT), name, args))


if __name__ == "__main__":
    main()
