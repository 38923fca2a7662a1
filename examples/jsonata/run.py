"""Price a cart with a JSONata workflow and print the quote.

python examples/jsonata/run.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio

import orchestra.logging
from orchestra import Engine, StateMachine, task

PRICES = {"book": 12.5, "lamp": 40.0, "desk": 180.0}
DEFINITION = Path(__file__).resolve().parent / "quote.asl.json"


@task(name="price-line")
async def price_line(request: dict[str, Any]) -> dict[str, Any]:
    """Price one cart line."""
    line = request["line"]
    amount = PRICES[line["item"]] * line["quantity"]
    return {"position": request["position"], "item": line["item"], "amount": amount}


async def quote(cart: dict[str, Any]) -> Any:
    """Run the workflow on one cart and return its output."""
    machine = StateMachine.from_file(DEFINITION, name="quote")
    async with Engine(tasks=[price_line]) as engine:
        execution = await engine.start_execution(machine, cart)
        return await execution.result()


CART = {
    "customer": {"name": "Ada", "tier": "gold"},
    "lines": [{"item": "book", "quantity": 3}, {"item": "lamp", "quantity": 2}],
}

if __name__ == "__main__":
    # Only warnings and errors from the engine: the quote is the output here.
    orchestra.logging.configure(level="warning")
    print(json.dumps(anyio.run(quote, CART), indent=2))
