"""Run the order workflow twice (one order ships, one is declined) and show what happened.

python examples/order/run.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tasks import TASKS

from orchestra import Engine, StateMachine
from orchestra.testing import VirtualClock

DEFINITION = Path(__file__).resolve().parent / "order.asl.yaml"
ACCOUNT, REGION = "123456789012", "eu-west-1"


async def main() -> None:
    machine = StateMachine.from_file(
        DEFINITION, name="order", substitutions={"Account": ACCOUNT, "Region": REGION}
    )
    orders = [
        {"orderId": "A-100", "items": ["desk", "lamp"], "customer": {"tier": "gold"}},
        {"orderId": "A-101", "items": ["desk"] * 6, "customer": {"tier": "silver"}},
    ]
    # A virtual clock makes the retry backoff and the Wait state instant.
    async with Engine(tasks=TASKS, account=ACCOUNT, region=REGION, clock=VirtualClock()) as engine:
        for order in orders:
            execution = await engine.start_execution(machine, order, name=order["orderId"])
            await execution.wait()
            print(f"== execution {execution.name}: {execution.status}")
            if execution.status == "SUCCEEDED":
                print("output:", json.dumps(execution.output))
            else:
                print(f"error: {execution.error}: {execution.cause}")
            print("history (state and outcome events):")
            for event in await engine.get_execution_history(execution):
                if event.type.endswith(("Scheduled", "Started", "Exited")):
                    continue
                details = event.details or {}
                label = details.get("name") or details.get("error") or ""
                if "index" in details:
                    label = f"{label}[{details['index']}]"
                print(f"  {event.id:>3} {event.type:<26} {label}")
            print()


if __name__ == "__main__":
    anyio.run(main)
