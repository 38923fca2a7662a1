"""Fail and Succeed: where the error, the cause and the final output come from."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import machine, run

pytestmark = pytest.mark.anyio

ENTERED_AT_2 = "An error occurred while executing the state 'F' (entered at the event id #2). "


def fail(**fields: Any) -> dict[str, Any]:
    """A machine of one Fail state named F."""
    return machine(("F", {"Type": "Fail", **fields}))


def jsonata_fail(**fields: Any) -> dict[str, Any]:
    """A JSONata machine of one Fail state named F."""
    return {"QueryLanguage": "JSONata", **fail(**fields)}


async def test_a_bare_fail_state_has_no_error_and_no_cause() -> None:
    """Neither Error nor Cause given: the run fails with both null."""
    execution, history = await run(fail(), {})
    assert (execution.status, execution.error, execution.cause) == ("FAILED", None, None)
    assert [e.type for e in history] == ["ExecutionStarted", "FailStateEntered", "ExecutionFailed"]


async def test_error_path_and_cause_path_read_the_input() -> None:
    """ErrorPath and CausePath take the error and cause from the state's input."""
    execution, _ = await run(
        fail(ErrorPath="$.Error", CausePath="$.Cause"),
        {"Error": "error string", "Cause": "cause string"},
    )
    assert (execution.error, execution.cause) == ("error string", "cause string")


async def test_error_path_and_cause_path_may_call_intrinsic_functions() -> None:
    """States.Format builds the error and the cause from the input."""
    definition = fail(
        ErrorPath="States.Format('{}', $.Error)",
        CausePath="States.Format('This is a custom error message for {}, caused by {}.', "
        "$.Error, $.Cause)",
    )
    execution, _ = await run(definition, {"Error": "error string", "Cause": "cause string"})
    assert (execution.error, execution.cause) == (
        "error string",
        "This is a custom error message for error string, caused by cause string.",
    )


async def test_a_cause_path_reading_json_gives_its_text() -> None:
    """A CausePath intrinsic returning an object's JSON text becomes the cause as is."""
    definition = fail(Error="Bad", CausePath="States.JsonToString($.detail)")
    execution, _ = await run(definition, {"detail": {"code": 7}})
    assert (execution.error, execution.cause) == ("Bad", '{"code":7}')


async def test_an_error_path_that_finds_nothing_is_a_runtime_error() -> None:
    """ErrorPath missing from the input fails the run with States.Runtime instead."""
    execution, _ = await run(fail(ErrorPath="$.Error", Cause="why"), {"other": 1})
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        ENTERED_AT_2 + "The JSONPath '$.Error' specified for the field 'ErrorPath' could not "
        "be found in the input '{\"other\":1}'",
    )


async def test_a_failing_intrinsic_in_cause_path_is_a_runtime_error() -> None:
    """An intrinsic that refuses its arguments fails the run with States.Runtime."""
    execution, _ = await run(
        fail(Error="Bad", CausePath="States.StringToJson($.text)"), {"text": "{"}
    )
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        ENTERED_AT_2 + "The function 'States.StringToJson($.text)' had the following error: "
        "Invalid arguments in States.StringToJson",
    )


async def test_jsonata_error_expression_sets_the_error() -> None:
    """A JSONata Fail state evaluates Error; the cause stays null."""
    execution, _ = await run(
        jsonata_fail(Error="{% $states.input.error %}"), {"error": "Exception"}
    )
    assert (execution.error, execution.cause) == ("Exception", None)


async def test_jsonata_cause_expression_sets_the_cause() -> None:
    """A JSONata Fail state evaluates Cause; the error stays null."""
    execution, _ = await run(
        jsonata_fail(Cause="{% $states.input.cause %}"),
        {"cause": "This failed to due an Exception."},
    )
    assert (execution.error, execution.cause) == (None, "This failed to due an Exception.")


async def test_jsonata_error_that_is_not_text_becomes_json_text() -> None:
    """An evaluated error that is an object is recorded as its JSON text."""
    execution, _ = await run(
        jsonata_fail(Error="{% $states.input.error %}", Cause="plain"), {"error": {"code": 1}}
    )
    assert (execution.error, execution.cause) == ('{"code":1}', "plain")


async def test_succeed_applies_input_path_then_output_path() -> None:
    """A Succeed state's output is its input filtered by InputPath, then OutputPath."""
    definition = machine(("S", {"Type": "Succeed", "InputPath": "$.order", "OutputPath": "$.id"}))
    execution, history = await run(definition, {"order": {"id": "A-1", "items": 3}})
    assert execution.output == "A-1"
    assert [e.type for e in history][1:3] == ["SucceedStateEntered", "SucceedStateExited"]
