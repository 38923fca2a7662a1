"""JSONata states through the public API: $states fields, AWS's functions, scopes, order."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from orchestra import DefinitionError, StateMachine, TaskFailed, task
from tests.helpers import run

pytestmark = pytest.mark.anyio

FN = "arn:aws:lambda:us-east-1:123456789012:function:fn"


def jsonata(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for index, (name, state) in enumerate(states):
        state = dict(state)
        if state["Type"] not in ("Succeed", "Fail", "Choice") and "Next" not in state:
            if index + 1 < len(states):
                state["Next"] = states[index + 1][0]
            else:
                state["End"] = True
        body[name] = state
    return {"QueryLanguage": "JSONata", "StartAt": states[0][0], "States": body}


async def test_states_input_and_context() -> None:
    """``$states.input`` is the raw input; ``$states.context`` the context object."""
    definition = jsonata(
        (
            "P",
            {
                "Type": "Pass",
                "Output": {
                    "total": "{% $sum($states.input.items.price) %}",
                    "state": "{% $states.context.State.Name %}",
                    "execution": "{% $states.context.Execution.Name %}",
                    "literal": "plain text",
                },
            },
        )
    )
    execution, _ = await run(definition, {"items": [{"price": 2}, {"price": 3.5}]})
    assert execution.output == {
        "total": 5.5,
        "state": "P",
        "execution": "run",
        "literal": "plain text",
    }


async def test_states_result_in_task_output_and_assign() -> None:
    """A Task's Output and Assign read ``$states.result``; Arguments shape the payload."""

    @task(FN)
    async def double(payload: Any) -> Any:
        return {"value": payload["n"] * 2}

    definition = jsonata(
        (
            "T",
            {
                "Type": "Task",
                "Resource": FN,
                "Arguments": {"n": "{% $states.input.n + 1 %}"},
                "Assign": {"seen": "{% $states.result.value %}"},
                "Output": "{% $states.result.value * 10 %}",
            },
        ),
        ("After", {"Type": "Pass", "Output": "{% [$states.input, $seen] %}"}),
    )
    execution, _ = await run(definition, {"n": 1}, tasks=[double])
    assert execution.output == [40, 4]


async def test_states_error_output_in_catch() -> None:
    """A Catcher's Output and Assign read ``$states.errorOutput``."""

    @task(FN)
    async def fail(payload: Any) -> Any:
        raise TaskFailed("Nope", "no way")

    definition = jsonata(
        (
            "T",
            {
                "Type": "Task",
                "Resource": FN,
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Output": "{% $states.errorOutput.Error %}",
                        "Assign": {"cause": "{% $states.errorOutput.Cause %}"},
                        "Next": "After",
                    }
                ],
                "Next": "After",
            },
        ),
        ("After", {"Type": "Pass", "Output": "{% $states.input & ': ' & $cause %}"}),
    )
    execution, _ = await run(definition, {}, tasks=[fail])
    assert execution.output == "Nope: no way"


async def test_aws_functions() -> None:
    """$partition, $range, $hash, $parse, $random and $uuid behave as AWS documents."""
    definition = jsonata(
        (
            "P",
            {
                "Type": "Pass",
                "Output": {
                    "partition": "{% $partition([1,2,3,4,5], 2) %}",
                    "range": "{% $range(0, 10, 3) %}",
                    "hash": "{% $hash('abc', 'SHA-256') %}",
                    "parse": "{% $parse('{\"a\": [1, 2]}') %}",
                    "random": "{% $random() %}",
                    "uuid": "{% $uuid() %}",
                },
            },
        )
    )
    execution, _ = await run(definition, {})
    output = execution.output
    assert output["partition"] == [[1, 2], [3, 4], [5]]
    assert output["range"] == [0, 3, 6, 9]
    assert output["hash"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert output["parse"] == {"a": [1, 2]}
    assert 0 <= output["random"] < 1
    assert uuid.UUID(output["uuid"]).version == 4


async def test_condition_picks_the_rule_and_its_output() -> None:
    """A Choice rule's Condition decides; the rule's Output wins over the state's."""
    definition = jsonata(
        (
            "C",
            {
                "Type": "Choice",
                "Choices": [
                    {"Condition": "{% $states.input.n > 1 %}", "Output": "big", "Next": "D"}
                ],
                "Output": "small",
                "Default": "D",
            },
        ),
        ("D", {"Type": "Pass"}),
    )
    big, _ = await run(definition, {"n": 2})
    small, _ = await run(definition, {"n": 0})
    assert (big.output, small.output) == ("big", "small")


async def test_assign_and_output_see_the_same_old_variables() -> None:
    """Assign and Output are evaluated from the same bindings; new values show next state."""
    definition = jsonata(
        ("A", {"Type": "Pass", "Assign": {"x": 1}}),
        ("B", {"Type": "Pass", "Assign": {"x": "{% $x + 1 %}"}, "Output": "{% $x %}"}),
        ("C", {"Type": "Pass", "Output": "{% [$states.input, $x] %}"}),
    )
    execution, _ = await run(definition, {})
    assert execution.output == [1, 2]


async def test_map_items_and_selector_with_item_context() -> None:
    """Items and ItemSelector are expressions; iterations see outer variables."""
    definition = jsonata(
        ("Set", {"Type": "Pass", "Assign": {"factor": 3}}),
        (
            "M",
            {
                "Type": "Map",
                "Items": "{% $states.input.values %}",
                "ItemSelector": {
                    "v": "{% $states.context.Map.Item.Value %}",
                    "i": "{% $states.context.Map.Item.Index %}",
                },
                "ItemProcessor": {
                    "StartAt": "Scale",
                    "States": {
                        "Scale": {
                            "Type": "Pass",
                            "Output": "{% $states.input.v * $factor + $states.input.i %}",
                            "End": True,
                        }
                    },
                },
            },
        ),
    )
    execution, _ = await run(definition, {"values": [1, 2, 3]})
    assert execution.output == [3, 7, 11]


async def test_undefined_result_is_a_query_evaluation_error() -> None:
    """An expression that yields nothing fails with AWS's cause text."""
    definition = jsonata(("P", {"Type": "Pass", "Output": {"x": "{% $states.input.missing %}"}}))
    execution, _ = await run(definition, {})
    assert execution.error == "States.QueryEvaluationError"
    assert execution.cause == (
        "An error occurred while executing the state 'P' (entered at the event id #2). "
        "The JSONata expression '$states.input.missing' specified for the field 'Output/x' "
        "returned nothing (undefined)."
    )


async def test_evaluation_errors_carry_jsonata_codes() -> None:
    """An evaluation error names the JSONata error code."""
    definition = jsonata(("P", {"Type": "Pass", "Output": "{% $nope() %}"}))
    execution, _ = await run(definition, {})
    assert execution.error == "States.QueryEvaluationError"
    assert execution.cause is not None
    assert "threw an error during evaluation. T1006" in execution.cause


async def test_jsonpath_machine_may_hold_jsonata_states() -> None:
    """A state can switch to JSONata inside a JSONPath machine."""
    definition = {
        "StartAt": "Path",
        "States": {
            "Path": {"Type": "Pass", "Parameters": {"n.$": "$.n"}, "Next": "Ata"},
            "Ata": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": "{% $states.input.n * 2 %}",
                "End": True,
            },
        },
    }
    execution, _ = await run(definition, {"n": 21})
    assert execution.output == 42


def test_an_expression_nested_to_the_evaluators_limit_is_a_definition_error() -> None:
    """Nesting near the evaluator's bound gives a DefinitionError, not the evaluator's error."""
    nested = "(" * 999 + "1" + ")" * 999
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Output": "{% " + nested + " %}", "End": True}},
    }
    with pytest.raises(DefinitionError) as caught:
        StateMachine.from_definition(definition)
    assert caught.value.diagnostics[0].message == (
        "State 'P': U1001: The expression is nested too deeply (the limit is 1000 levels)"
    )
