"""JSONPath data flow through Pass states: InputPath, Parameters, ResultPath, OutputPath."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import machine, run

pytestmark = pytest.mark.anyio


async def output_of(state: dict[str, Any], input: Any) -> Any:
    execution, _ = await run(machine(("S", {"Type": "Pass", **state})), input)
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    return execution.output


async def test_fields_apply_in_aws_order() -> None:
    """InputPath, then Parameters, then ResultPath on the raw input, then OutputPath."""
    state = {
        "InputPath": "$.order",
        "Parameters": {"id.$": "$.id", "fixed": 1},
        "ResultPath": "$.result",
        "OutputPath": "$.result",
    }
    assert await output_of(state, {"order": {"id": 7}, "other": True}) == {"id": 7, "fixed": 1}


async def test_result_path_merges_into_raw_input() -> None:
    """ResultPath writes the result under the raw input, creating missing objects."""
    output = await output_of({"Result": 3, "ResultPath": "$.a.b"}, {"keep": 1})
    assert output == {"keep": 1, "a": {"b": 3}}


async def test_null_paths() -> None:
    """InputPath null gives {}, ResultPath null keeps the input, OutputPath null gives {}."""
    assert await output_of({"InputPath": None}, {"x": 1}) == {}
    assert await output_of({"Result": 5, "ResultPath": None}, {"x": 1}) == {"x": 1}
    assert await output_of({"OutputPath": None}, {"x": 1}) == {}


async def test_context_object_in_parameters() -> None:
    """``$$`` gives the execution, state machine and state."""
    output = await output_of(
        {
            "Parameters": {
                "execution.$": "$$.Execution.Name",
                "machine.$": "$$.StateMachine.Name",
                "state.$": "$$.State.Name",
                "input.$": "$$.Execution.Input",
            }
        },
        {"a": 1},
    )
    assert output == {"execution": "run", "machine": "test", "state": "S", "input": {"a": 1}}


async def test_missing_parameter_path_is_a_runtime_error() -> None:
    """A path that resolves to nothing fails with States.Runtime and AWS's cause."""
    execution, _ = await run(machine(("S", {"Type": "Pass", "Parameters": {"v.$": "$.nope"}})), {})
    assert execution.status == "FAILED"
    assert execution.error == "States.Runtime"
    assert execution.cause == (
        "An error occurred while executing the state 'S' (entered at the event id #2). "
        "The JSONPath '$.nope' specified for the field 'v.$' could not be found in the input '{}'"
    )


async def test_missing_input_path_names_the_path() -> None:
    """A missing InputPath fails with Jayway's wording."""
    execution, _ = await run(machine(("S", {"Type": "Pass", "InputPath": "$.a.b"})), {})
    assert execution.cause is not None
    assert execution.cause.endswith("Invalid path '$.a.b' : Missing property in path $['a']")


async def test_indefinite_path_yields_a_list() -> None:
    """Wildcards and filters yield a list, as in Jayway JsonPath."""
    output = await output_of(
        {"Parameters": {"ids.$": "$.items[*].id", "big.$": "$.items[?(@.n > 1)].id"}},
        {"items": [{"id": "a", "n": 1}, {"id": "b", "n": 2}]},
    )
    assert output == {"ids": ["a", "b"], "big": ["b"]}


async def test_input_is_not_mutated() -> None:
    """Copy on write: the execution input is left as it was."""
    data = {"a": {"b": 1}}
    execution, _ = await run(
        machine(("S", {"Type": "Pass", "Result": 2, "ResultPath": "$.a.c"})), data
    )
    assert execution.output == {"a": {"b": 1, "c": 2}}
    assert execution.input == {"a": {"b": 1}}


@given(
    keys=st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), min_size=1, max_size=4),
    value=st.integers() | st.text(max_size=5) | st.booleans(),
)
def test_result_path_then_input_path_round_trip(keys: list[str], value: Any) -> None:
    """Writing a value at a path with ResultPath and reading it back with InputPath agree."""
    import anyio

    path = "$." + ".".join(keys)
    definition = machine(
        ("W", {"Type": "Pass", "Result": value, "ResultPath": path}),
        ("R", {"Type": "Pass", "InputPath": path}),
    )
    execution, _ = anyio.run(run, definition, {})
    assert execution.output == value
