"""Intrinsic arguments AWS refuses only at run time, and the fractions it drops.

What these record was observed on AWS (see the ``orchestra._query.intrinsic_functions``
docstring): a wrongly typed literal passes validation and fails the execution, and only
States.MathAdd rounds a fraction; ArrayRange, ArrayPartition and MathRandom drop it.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from orchestra import StateMachine
from tests.helpers import run

pytestmark = pytest.mark.anyio


def evaluating(expression: str) -> dict[str, Any]:
    """A machine whose one Pass state puts ``expression`` at ``value``."""
    return {
        "StartAt": "S",
        "States": {"S": {"Type": "Pass", "Parameters": {"value.$": expression}, "End": True}},
    }


@pytest.mark.parametrize(
    "expression",
    [
        "States.MathAdd(1, '-1')",
        "States.MathAdd('a', 1)",
        "States.MathAdd(true, 1)",
        "States.MathAdd(null, 1)",
        "States.ArrayRange('a', 5, 1)",
        "States.ArrayRange(1, 5, 'c')",
        "States.ArrayPartition('not-array', 2)",
        "States.ArrayPartition(States.Array(1, 2), '2')",
        "States.Hash('hello', 123)",
        "States.MathRandom('1', 5)",
    ],
)
async def test_wrongly_typed_literals_fail_the_execution(expression: str) -> None:
    """The definition is accepted; running it fails with States.Runtime and AWS's cause."""
    StateMachine.from_definition(evaluating(expression))
    execution, _ = await run(evaluating(expression), {})
    function = expression[: expression.index("(")]
    assert execution.error == "States.Runtime"
    assert execution.cause == (
        "An error occurred while executing the state 'S' (entered at the event id #2). "
        f"The function '{expression}' had the following error: Invalid arguments in {function}"
    )


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("States.ArrayRange(1.6, 1.4, 1)", [1]),
        ("States.ArrayRange(5.4, -0.6, -2.4)", [5, 3, 1]),
        ("States.ArrayRange(1.4, 5.6, 2.2)", [1, 3, 5]),
        ("States.ArrayPartition(States.Array(1, 2, 3, 4, 5), 2.6)", [[1, 2], [3, 4], [5]]),
        ("States.MathAdd(1.6, 2.7)", 5),
    ],
)
async def test_fractions_as_aws_takes_them(expression: str, value: Any) -> None:
    """MathAdd rounds; ArrayRange and ArrayPartition drop the fraction toward zero."""
    execution, _ = await run(evaluating(expression), {})
    assert execution.output == {"value": value}


@pytest.mark.parametrize(
    "expression",
    [
        "States.ArrayRange(1, 10, 0.49)",
        "States.ArrayPartition(States.Array(1, 2, 3), 0.6)",
        "States.ArrayPartition(States.Array(1, 2, 3), -0.4)",
        "States.MathRandom(1.4, 1.6)",
    ],
)
async def test_a_fraction_dropped_to_an_invalid_value_fails(expression: str) -> None:
    """A step, size or interval that truncates to nothing is refused when the state runs."""
    execution, _ = await run(evaluating(expression), {})
    assert execution.error == "States.Runtime"
    assert execution.cause is not None
    assert execution.cause.endswith(f"Invalid arguments in {expression[: expression.index('(')]}")


async def test_hash_takes_a_number_as_its_printed_form() -> None:
    """States.Hash of a number is the digest of its text, not a failure."""
    execution, _ = await run(evaluating("States.Hash($.n, 'SHA-256')"), {"n": 123})
    assert execution.output == {"value": hashlib.sha256(b"123").hexdigest()}
