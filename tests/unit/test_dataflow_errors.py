"""Run-time failures of JSONPath data flow: ResultPath, InputPath and intrinsic Parameters."""

from __future__ import annotations

import pytest

from tests.helpers import machine, run

pytestmark = pytest.mark.anyio

ENTERED_AT_2 = "An error occurred while executing the state 'P' (entered at the event id #2). "


async def test_result_path_through_a_non_object_is_a_match_failure() -> None:
    """ResultPath that steps into a number fails with States.ResultPathMatchFailure."""
    definition = machine(("P", {"Type": "Pass", "Result": 1, "ResultPath": "$.a.b"}))
    execution, history = await run(definition, {"a": 5})
    assert (execution.error, execution.cause) == (
        "States.ResultPathMatchFailure",
        ENTERED_AT_2 + "Unable to apply ResultPath '$.a.b' to input: step 'b' does not refer "
        "to an object",
    )
    assert [e.type for e in history] == ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]


async def test_result_path_past_the_end_of_an_array_is_a_match_failure() -> None:
    """ResultPath naming an index the array lacks fails with States.ResultPathMatchFailure."""
    definition = machine(("P", {"Type": "Pass", "Result": 1, "ResultPath": "$.a[3]"}))
    execution, _ = await run(definition, {"a": [0]})
    assert (execution.error, execution.cause) == (
        "States.ResultPathMatchFailure",
        ENTERED_AT_2 + "Unable to apply ResultPath '$.a[3]' to input: index [3] is out of range",
    )


async def test_result_path_may_replace_an_array_element() -> None:
    """ResultPath naming an existing index replaces that element in a copy of the input."""
    definition = machine(("P", {"Type": "Pass", "Result": "new", "ResultPath": "$.a[-1]"}))
    execution, _ = await run(definition, {"a": ["x", "old"]})
    assert execution.output == {"a": ["x", "new"]}


async def test_input_path_past_the_end_of_an_array_is_a_runtime_error() -> None:
    """InputPath indexing beyond an array fails the run with Jayway's message."""
    definition = machine(("P", {"Type": "Pass", "InputPath": "$.a[5]"}))
    execution, _ = await run(definition, {"a": [1]})
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        ENTERED_AT_2 + "Invalid path '$.a[5]' : Index out of bounds when evaluating path $['a'][5]",
    )


async def test_a_failing_intrinsic_in_parameters_is_a_runtime_error() -> None:
    """An intrinsic function refusing its arguments fails the run with States.Runtime."""
    definition = machine(
        ("P", {"Type": "Pass", "Parameters": {"v.$": "States.StringToJson($.text)"}})
    )
    execution, _ = await run(definition, {"text": "{"})
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        ENTERED_AT_2 + "The function 'States.StringToJson($.text)' had the following error: "
        "Invalid arguments in States.StringToJson",
    )
