"""Choice states that assign, match nothing or fail, and JSONata catchers without Output."""

from __future__ import annotations

from typing import Any

import pytest

from orchestra import TaskFailed, task
from tests.helpers import run

pytestmark = pytest.mark.anyio

FN = "arn:aws:lambda:us-east-1:123456789012:function:boom"
ENTERED_AT_2 = "An error occurred while executing the state 'C' (entered at the event id #2). "
NO_MATCH = "Failed to transition out of the state. The state does not point to a next state."


def jsonata_choice(*rules: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A JSONata machine whose Choice C goes to Done, which outputs the input and $picked."""
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": list(rules), **fields},
            "Done": {"Type": "Pass", "Output": "{% $picked %}", "End": True},
        },
    }


def value_is_one(**fields: Any) -> dict[str, Any]:
    """A JSONPath machine whose Choice C goes to Done when $.value is 1."""
    rule = {"Variable": "$.value", "NumericEquals": 1, "Next": "Done"}
    return {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [rule], **fields},
            "Done": {"Type": "Succeed"},
        },
    }


# One rule and a default, each assigning its own $picked.
RULE_OR_DEFAULT = jsonata_choice(
    {
        "Condition": "{% $states.input.condition %}",
        "Assign": {"picked": "rule"},
        "Next": "Done",
    },
    Assign={"picked": "default"},
    Default="Done",
)


async def test_a_matching_jsonata_rule_assigns_its_variables() -> None:
    """The matched rule's Assign applies, not the state's."""
    execution, history = await run(RULE_OR_DEFAULT, {"condition": True})
    assert execution.output == "rule"
    assert [e.type for e in history][1:3] == ["ChoiceStateEntered", "ChoiceStateExited"]


async def test_the_default_branch_takes_the_state_assign() -> None:
    """No rule matched: the state-level Assign applies on the way to Default."""
    execution, _ = await run(RULE_OR_DEFAULT, {"condition": False})
    assert execution.output == "default"


async def test_a_jsonata_condition_must_be_a_boolean() -> None:
    """A Condition evaluating to 1 is a States.QueryEvaluationError, not a truthy match."""
    definition = jsonata_choice({"Condition": "{% $states.input.v %}", "Next": "Done"})
    execution, history = await run(definition, {"v": 1})
    assert (execution.error, execution.cause) == (
        "States.QueryEvaluationError",
        ENTERED_AT_2 + "The Condition field must evaluate to a boolean, but was: 1",
    )
    assert [e.type for e in history][-2:] == ["EvaluationFailed", "ExecutionFailed"]


async def test_a_jsonata_choice_without_match_or_default_fails() -> None:
    """No rule matched and no Default: States.NoChoiceMatched."""
    definition = jsonata_choice({"Condition": "{% $states.input.v %}", "Next": "Done"})
    execution, _ = await run(definition, {"v": False})
    assert (execution.error, execution.cause) == ("States.NoChoiceMatched", ENTERED_AT_2 + NO_MATCH)


async def test_a_jsonpath_choice_without_match_or_default_fails() -> None:
    """The same holds for JSONPath rules."""
    definition = value_is_one()
    execution, _ = await run(definition, {"value": 2})
    assert (execution.error, execution.cause) == ("States.NoChoiceMatched", ENTERED_AT_2 + NO_MATCH)


async def test_a_jsonpath_rule_on_a_missing_variable_is_a_runtime_error() -> None:
    """A rule comparing a path the input lacks fails the run with States.Runtime."""
    definition = value_is_one(Default="Done")
    execution, _ = await run(definition, {})
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        ENTERED_AT_2 + "Invalid path '$.value': The choice state's condition path references "
        "an invalid value.",
    )


async def test_a_jsonata_catcher_without_output_passes_the_error_output_on() -> None:
    """Caught in JSONata with only Assign, the next state gets {Error, Cause}."""

    @task(FN)
    async def boom(payload: Any) -> None:
        raise TaskFailed("Exception", "Some exception was raised.")

    definition = {
        "StartAt": "Task",
        "States": {
            "Task": {
                "QueryLanguage": "JSONata",
                "Type": "Task",
                "Resource": FN,
                "Assign": {"result": "SUCCESS"},
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Assign": {"result": "{% $states.errorOutput %}"},
                        "Next": "Fallback",
                    }
                ],
                "End": True,
            },
            "Fallback": {
                "Type": "Pass",
                "Parameters": {"seen.$": "$", "result.$": "$result"},
                "End": True,
            },
        },
    }
    execution, _ = await run(definition, {}, tasks=[boom])
    error_output = {"Error": "Exception", "Cause": "Some exception was raised."}
    assert execution.output == {"seen": error_output, "result": error_output}
