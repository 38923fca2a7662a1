"""The examples in examples/ run and produce what the README shows."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(relative: str) -> dict[str, Any]:
    path = EXAMPLES / relative
    sys.path.insert(0, str(path.parent))
    try:
        return runpy.run_path(str(path))
    finally:
        sys.path.remove(str(path.parent))


async def test_jsonata_quote_example() -> None:
    """The JSONata quote prices each line, applies the gold discount and approves."""
    module = load("jsonata/run.py")
    output = await module["quote"](module["CART"])
    assert {key: output[key] for key in ("status", "customer", "lines", "total")} == {
        "status": "approved",
        "customer": "Ada",
        "lines": 2,
        "total": 105.75,
    }


async def test_jsonata_quote_needs_approval_over_1000() -> None:
    """A large cart goes to the Choice rule's needs-approval Output."""
    module = load("jsonata/run.py")
    cart = {
        "customer": {"name": "Bo", "tier": "silver"},
        "lines": [{"item": "desk", "quantity": 6}],
    }
    assert await module["quote"](cart) == {"status": "needs-approval", "total": 1080.0}


def test_order_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """The order demo ships one order and cancels the declined one."""
    module = load("order/run.py")
    import anyio

    anyio.run(module["main"])
    printed = capsys.readouterr().out
    assert "== execution A-100: SUCCEEDED" in printed
    assert '"parcels": ["1:desk", "2:lamp"]' in printed
    assert "== execution A-101: FAILED" in printed
    assert "error: OrderCancelled: card declined for 1080.00" in printed
