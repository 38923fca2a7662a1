"""Run the orchestrator: a parent workflow starts one child workflow per enabled target.

python examples/orchestrator/run.py                 # the newsletter waits its 600 seconds
python examples/orchestrator/run.py --skip-delays   # debug.skipDelays: no waiting

Time is virtual, so the delay costs nothing; the printout says how much of it passed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent))

from child_tasks import TASKS

from orchestra import Engine, Execution, StateMachine
from orchestra.testing import VirtualClock

HERE = Path(__file__).resolve().parent
ACCOUNT, REGION = "123456789012", "eu-west-1"


def load_machines() -> list[StateMachine]:
    """The parent and its two children, with the children's ARNs substituted in."""

    def arn(name: str) -> str:
        return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"

    substitutions = {
        "Account": ACCOUNT,
        "Region": REGION,
        "ThumbnailsArn": arn("thumbnails"),
        "NewsletterArn": arn("newsletter"),
    }
    return [
        StateMachine.from_file(HERE / f"{name}.asl.yaml", substitutions=substitutions)
        for name in ("orchestrator", "thumbnails", "newsletter")
    ]


async def orchestrate(
    payload: dict[str, Any], *, name: str, skip_delays: bool = False
) -> tuple[Engine, Execution, VirtualClock]:
    """Run the orchestrator once; return the (closed) engine, the parent and the clock."""
    orchestrator, *children = load_machines()
    clock = VirtualClock()
    async with Engine(
        tasks=TASKS, machines=children, account=ACCOUNT, region=REGION, clock=clock
    ) as engine:
        parent = await engine.start_execution(
            orchestrator, {"payload": payload, "debug": {"skipDelays": skip_delays}}, name=name
        )
        await parent.wait()
    return engine, parent, clock


async def main(skip_delays: bool = False) -> None:
    engine, parent, clock = await orchestrate(
        {"image": "beach.png"}, name="upload-42", skip_delays=skip_delays
    )
    print(f"== {parent.name}: {parent.status} after {clock.elapsed:g} virtual seconds")
    for result in parent.output or []:
        output = json.dumps(result["output"]) if "output" in result else ""
        print(f"  {result['target']:<22} {result['status']:<9} {output}".rstrip())
    print("children (parent > child, root):")
    for machine in engine.state_machines:
        for child in reversed(engine.list_executions(machine)):
            assert child.parent is not None
            print(f"  {child.parent.name} > {child.name} ({child.status}, root {child.root.name})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-delays", action="store_true", help="set debug.skipDelays")
    arguments = parser.parse_args()
    anyio.run(main, arguments.skip_delays)
