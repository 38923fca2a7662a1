"""Workflow variables (Assign) in JSONPath states: values, scopes and evaluation order."""

from __future__ import annotations

import pytest

from tests.helpers import run

pytestmark = pytest.mark.anyio


async def test_assigned_values_are_visible_from_the_next_state() -> None:
    """Assign evaluates against the old values; the new ones are read by later states."""
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"n": 1}, "Next": "B"},
            "B": {
                "Type": "Pass",
                "Assign": {"n.$": "States.MathAdd($n, 1)", "before.$": "$n"},
                "Next": "C",
            },
            "C": {"Type": "Pass", "Parameters": {"n.$": "$n", "before.$": "$before"}, "End": True},
        },
    }
    execution, _ = await run(definition, {})
    assert execution.output == {"n": 2, "before": 1}


async def test_assign_reads_the_state_result_not_its_output() -> None:
    """In a Pass state, ``$`` in Assign is the Result, before ResultPath and OutputPath."""
    definition = {
        "StartAt": "A",
        "States": {
            "A": {
                "Type": "Pass",
                "Result": {"answer": 42},
                "ResultPath": "$.r",
                "Assign": {"answer.$": "$.answer"},
                "Next": "B",
            },
            "B": {"Type": "Pass", "Parameters": {"answer.$": "$answer"}, "End": True},
        },
    }
    execution, _ = await run(definition, {})
    assert execution.output == {"answer": 42}


async def test_inner_scopes_see_outer_variables_and_leak_nothing() -> None:
    """A Map iteration reads outer variables; what it assigns stays inside."""
    definition = {
        "StartAt": "Set",
        "States": {
            "Set": {"Type": "Pass", "Assign": {"bias": 10}, "Next": "Each"},
            "Each": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "Add",
                    "States": {
                        "Add": {
                            "Type": "Pass",
                            "Assign": {"inner.$": "$"},
                            "Parameters": {"v.$": "States.MathAdd($, $bias)"},
                            "End": True,
                        }
                    },
                },
                "Next": "After",
            },
            "After": {"Type": "Pass", "Parameters": {"inner.$": "$inner"}, "End": True},
        },
    }
    execution, _ = await run(definition, [1, 2])
    assert execution.status == "FAILED"
    assert execution.error == "States.Runtime"


async def test_choice_rule_assign_wins_over_state_assign() -> None:
    """A matching rule's Assign applies; the state's Assign applies only on Default."""
    definition = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.n", "NumericEquals": 1, "Assign": {"seen": "one"}, "Next": "D"}
                ],
                "Assign": {"seen": "other"},
                "Default": "D",
            },
            "D": {"Type": "Pass", "Parameters": {"seen.$": "$seen"}, "End": True},
        },
    }
    one, _ = await run(definition, {"n": 1})
    two, _ = await run(definition, {"n": 2})
    assert (one.output, two.output) == ({"seen": "one"}, {"seen": "other"})


async def test_catcher_assign_sees_the_error_output() -> None:
    """A Catcher's Assign reads {Error, Cause}."""
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "c"}}}
                ],
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "Assign": {"why.$": "$.Cause"}, "Next": "D"}
                ],
                "End": True,
            },
            "D": {"Type": "Pass", "Parameters": {"why.$": "$why"}, "End": True},
        },
    }
    execution, _ = await run(definition, {})
    assert execution.output == {"why": "c"}
