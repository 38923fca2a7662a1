"""Payload templates with arrays, in JSONPath and JSONata, and fixed results' size limit."""

from __future__ import annotations

import pytest

from tests.helpers import machine, run

pytestmark = pytest.mark.anyio


async def test_jsonpath_parameters_evaluate_dynamic_fields_inside_arrays() -> None:
    """``.$`` fields nested in arrays are evaluated; plain strings that look like paths are not."""
    parameters = {"list": [1, {"x.$": "$.a"}, "$.a", ["y", {"state.$": "$$.State.Name"}]]}
    execution, _ = await run(machine(("P", {"Type": "Pass", "Parameters": parameters})), {"a": 7})
    assert execution.output == {"list": [1, {"x": 7}, "$.a", ["y", {"state": "P"}]]}


async def test_jsonpath_parameters_copy_constant_arrays() -> None:
    """An array without dynamic fields is copied as it is."""
    parameters = {"static-input-0": 0, "static-input-1": [1, [2, {"k": "v"}]]}
    execution, _ = await run(machine(("P", {"Type": "Pass", "Parameters": parameters})), {"a": 1})
    assert execution.output == {"static-input-0": 0, "static-input-1": [1, [2, {"k": "v"}]]}


async def test_jsonata_output_evaluates_expressions_inside_arrays() -> None:
    """Every ``{% %}`` string of an array template is evaluated, at any depth."""
    output = ["{% $states.input.a %}", 2, ["q", "{% $states.input.a * 2 %}"], [3]]
    definition = {"QueryLanguage": "JSONata", **machine(("P", {"Type": "Pass", "Output": output}))}
    execution, _ = await run(definition, {"a": 7})
    assert execution.output == [7, 2, ["q", 14], [3]]


async def test_jsonata_array_template_errors_name_the_element() -> None:
    """A failing expression inside an array names its field with the element's index."""
    output = {"values": [1, "{% $states.input.missing %}"]}
    definition = {"QueryLanguage": "JSONata", **machine(("P", {"Type": "Pass", "Output": output}))}
    execution, _ = await run(definition, {})
    assert (execution.error, execution.cause) == (
        "States.QueryEvaluationError",
        "An error occurred while executing the state 'P' (entered at the event id #2). "
        "The JSONata expression '$states.input.missing' specified for the field "
        "'Output/values[1]' returned nothing (undefined).",
    )


async def test_parallel_parameters_give_every_branch_the_same_input() -> None:
    """Parallel's Parameters are applied once, and each branch starts from the result."""
    branches = [
        {"StartAt": name, "States": {name: {"Type": "Pass", "End": True}}} for name in ("B0", "B1")
    ]
    definition = machine(
        (
            "P",
            {
                "Type": "Parallel",
                "Parameters": {"static-input-0": 0, "from.$": "$.a"},
                "Branches": branches,
            },
        )
    )
    execution, _ = await run(definition, {"a": 1})
    assert execution.output == [{"static-input-0": 0, "from": 1}, {"static-input-0": 0, "from": 1}]


async def test_a_pass_result_over_the_payload_limit_fails_the_run() -> None:
    """A fixed Result larger than the engine's payload limit is States.DataLimitExceeded."""
    definition = machine(("State_1", {"Type": "Pass", "Result": {"Arg1": "a" * 300}}))
    execution, history = await run(definition, {}, payload_limit=256)
    assert (execution.error, execution.cause) == (
        "States.DataLimitExceeded",
        "The state/task 'State_1' returned a result with a size exceeding the maximum number "
        "of bytes service limit.",
    )
    assert [e.type for e in history] == ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]
