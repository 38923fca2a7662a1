"""Map fields read at run time: limits from paths, JSONata Items and ItemSelector, batching.

Expected causes are the ones AWS gives for the same definitions and inputs.
"""

from __future__ import annotations

from typing import Any

import pytest

from orchestra import TaskContext, task
from orchestra.testing import VirtualClock
from tests.helpers import FAIL_ON_TWO, PASS_THROUGH, run

pytestmark = pytest.mark.anyio

WORK = "arn:aws:lambda:us-east-1:123456789012:function:work"


def map_state(processor: dict[str, Any] = PASS_THROUGH, **fields: Any) -> dict[str, Any]:
    """A machine of one inline Map state named MapState."""
    state = {
        "Type": "Map",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, **processor},
        "End": True,
        **fields,
    }
    return {"StartAt": "MapState", "States": {"MapState": state}}


def jsonata_map(processor: dict[str, Any] = PASS_THROUGH, **fields: Any) -> dict[str, Any]:
    """A JSONata machine of one inline Map state named MapState."""
    return {"QueryLanguage": "JSONata", **map_state(processor, **fields)}


def failed_at(event_id: int, message: str) -> str:
    """AWS's cause for a failure in MapState entered at ``event_id``."""
    return (
        f"An error occurred while executing the state 'MapState' (entered at the event id "
        f"#{event_id}). {message}"
    )


# --- limits read from paths -----------------------------------------------------------------


async def test_max_concurrency_path_limits_the_running_iterations() -> None:
    """With MaxConcurrencyPath reading 2, no more than two iterations run at once."""
    running = peak = 0

    @task(WORK)
    async def work(payload: Any, ctx: TaskContext) -> Any:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await ctx.sleep(1)
        running -= 1
        return payload

    processor = {"StartAt": "W", "States": {"W": {"Type": "Task", "Resource": WORK, "End": True}}}
    definition = map_state(processor, ItemsPath="$.Values", MaxConcurrencyPath="$.limit")
    execution, _ = await run(definition, {"limit": 2, "Values": [1, 2, 3, 4, 5]}, tasks=[work])
    assert execution.output == [1, 2, 3, 4, 5]
    assert peak == 2


async def test_max_concurrency_path_of_zero_means_no_limit() -> None:
    """A MaxConcurrencyPath value of 0 runs the Map like an absent limit."""
    definition = map_state(ItemsPath="$.Values", MaxConcurrencyPath="$.MaxConcurrencyValue")
    execution, _ = await run(definition, {"MaxConcurrencyValue": 0, "Values": ["HelloWorld"]})
    assert execution.output == ["HelloWorld"]


@pytest.mark.parametrize(("value", "shown"), [("NoNumber", "NoNumber"), ({}, "{}")])
async def test_max_concurrency_path_must_reference_an_integer(value: Any, shown: str) -> None:
    """A MaxConcurrencyPath value that is no integer fails the run before the Map starts."""
    definition = map_state(ItemsPath="$.Values", MaxConcurrencyPath="$.MaxConcurrencyValue")
    execution, history = await run(definition, {"MaxConcurrencyValue": value, "Values": [1]})
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        failed_at(
            2,
            f'The MaxConcurrencyPath field refers to value "{shown}" which is not a valid '
            "integer: $.MaxConcurrencyValue",
        ),
    )
    assert [e.type for e in history] == ["ExecutionStarted", "MapStateEntered", "ExecutionFailed"]


async def test_tolerated_failure_count_path_sets_the_tolerance() -> None:
    """A failure within the count read from the input becomes that item's error output."""
    definition = map_state(FAIL_ON_TWO, ItemsPath="$.Items", ToleratedFailureCountPath="$.n")
    execution, _ = await run(definition, {"Items": [1, 2, 3], "n": 1})
    assert execution.output == [1, {"Error": "Bad", "Cause": "item two"}, 3]


@pytest.mark.parametrize(("value", "shown"), [("NoNumber", "NoNumber"), ({}, "{}"), (1.5, "1.5")])
async def test_tolerated_failure_count_path_must_reference_an_integer(
    value: Any, shown: str
) -> None:
    """A ToleratedFailureCountPath value that is no integer fails the run."""
    definition = map_state(ItemsPath="$.Items", ToleratedFailureCountPath="$.ToleratedFailureCount")
    execution, history = await run(definition, {"Items": [0], "ToleratedFailureCount": value})
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        failed_at(
            2,
            f'The ToleratedFailureCountPath field refers to value "{shown}" which is not a '
            "valid integer: $.ToleratedFailureCount",
        ),
    )
    assert [e.type for e in history][-2:] == ["MapStateStarted", "ExecutionFailed"]


async def test_tolerated_failure_count_must_not_be_negative() -> None:
    """A negative ToleratedFailureCountPath value fails the run."""
    definition = map_state(ItemsPath="$.Items", ToleratedFailureCountPath="$.ToleratedFailureCount")
    execution, _ = await run(definition, {"Items": [0], "ToleratedFailureCount": -1})
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        failed_at(2, "ToleratedFailureCount cannot be negative."),
    )


async def test_tolerated_failure_percentage_path_sets_the_tolerance() -> None:
    """Half of two items may fail under a 50 % tolerance read from the input."""
    definition = map_state(
        FAIL_ON_TWO, ItemsPath="$.Items", ToleratedFailurePercentagePath="$.percent"
    )
    execution, _ = await run(definition, {"Items": [1, 2], "percent": 50})
    assert execution.output == [1, {"Error": "Bad", "Cause": "item two"}]


@pytest.mark.parametrize("value", [0, 1.1, 100])
async def test_tolerated_failure_percentage_path_accepts_0_to_100(value: float) -> None:
    """Whole and fractional percentages from 0 to 100 are valid tolerances."""
    definition = map_state(
        ItemsPath="$.Items", ToleratedFailurePercentagePath="$.ToleratedFailurePercentage"
    )
    execution, _ = await run(definition, {"Items": [0], "ToleratedFailurePercentage": value})
    assert execution.output == [0]


@pytest.mark.parametrize(("value", "shown"), [("NoNumber", "NoNumber"), ({}, "{}")])
async def test_tolerated_failure_percentage_path_must_reference_a_number(
    value: Any, shown: str
) -> None:
    """A ToleratedFailurePercentagePath value that is no number fails the run."""
    definition = map_state(
        ItemsPath="$.Items", ToleratedFailurePercentagePath="$.ToleratedFailurePercentage"
    )
    execution, _ = await run(definition, {"Items": [0], "ToleratedFailurePercentage": value})
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        failed_at(
            2,
            f'The ToleratedFailurePercentagePath field refers to value "{shown}" which is not '
            "a valid float: $.ToleratedFailurePercentage",
        ),
    )


@pytest.mark.parametrize("value", [-1, -1.1, 100.1])
async def test_tolerated_failure_percentage_must_be_between_0_and_100(value: float) -> None:
    """A percentage outside 0..100 fails the run."""
    definition = map_state(
        ItemsPath="$.Items", ToleratedFailurePercentagePath="$.ToleratedFailurePercentage"
    )
    execution, _ = await run(definition, {"Items": [0], "ToleratedFailurePercentage": value})
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        failed_at(2, "ToleratedFailurePercentage must be between 0 and 100."),
    )


# --- items ------------------------------------------------------------------------------------


async def test_an_empty_array_maps_to_an_empty_array_without_iterations() -> None:
    """No items: the Map starts and succeeds with no iteration events between."""
    execution, history = await run(map_state(), [])
    assert execution.output == []
    assert [e.type for e in history] == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]


async def test_item_batcher_groups_items_into_batches() -> None:
    """MaxItemsPerBatch hands each iteration an object whose Items hold up to that many."""
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Inner",
        "States": {"Inner": {"Type": "Pass", "End": True}},
    }
    definition = map_state(processor, ItemBatcher={"MaxItemsPerBatch": 2})
    execution, _ = await run(definition, [1, 2, 3])
    assert execution.output == [{"Items": [1, 2]}, {"Items": [3]}]


async def test_an_item_selector_without_context_reads_the_state_input() -> None:
    """An ItemSelector of constants and input paths gives every iteration the same input."""
    definition = map_state(ItemsPath="$.items", ItemSelector={"c": 1, "x.$": "$.x"})
    execution, _ = await run(definition, {"items": [1, 2], "x": 9})
    assert execution.output == [{"c": 1, "x": 9}, {"c": 1, "x": 9}]


# --- JSONata ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "kind", "shown"),
    [
        ("true", "boolean", "true"),
        ("null", "null", "null"),
        ("1", "number", "1"),
        ("{'foo': 'bar'}", "object", '{"foo":"bar"}'),
        ("'string'", "string", '"string"'),
    ],
)
async def test_jsonata_items_must_evaluate_to_an_array(
    expression: str, kind: str, shown: str
) -> None:
    """Items that evaluate to anything but an array fail with States.QueryEvaluationError."""
    execution, history = await run(jsonata_map(Items=f"{{% {expression} %}}"), {})
    assert (execution.error, execution.cause) == (
        "States.QueryEvaluationError",
        failed_at(
            2,
            f"The JSONata expression '{expression}' specified for the field 'Items' returned "
            f"an unexpected result type. Expected 'array', but was '{kind}' for value: {shown}",
        ),
    )
    assert [e.type for e in history][-3:] == [
        "EvaluationFailed",
        "MapStateFailed",
        "ExecutionFailed",
    ]


async def test_jsonata_items_from_a_variable_are_checked_too() -> None:
    """Items read from a variable that holds no array fail the same way."""
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Start",
        "States": {
            "Start": {"Type": "Pass", "Assign": {"ItemsVar": "{% 1 %}"}, "Next": "MapState"},
            "MapState": map_state(Items="{% $ItemsVar %}")["States"]["MapState"],
        },
    }
    execution, _ = await run(definition, {})
    assert (execution.error, execution.cause) == (
        "States.QueryEvaluationError",
        failed_at(
            4,
            "The JSONata expression '$ItemsVar' specified for the field 'Items' returned an "
            "unexpected result type. Expected 'array', but was 'number' for value: 1",
        ),
    )


async def test_jsonata_items_returning_a_function_is_unsupported() -> None:
    """A function is no JSON value: the cause says the result type is unsupported."""
    execution, _ = await run(jsonata_map(Items="{% $fn := function($x){$x} %}"), {})
    assert (execution.error, execution.cause) == (
        "States.QueryEvaluationError",
        failed_at(
            2,
            "The JSONata expression '$fn := function($x){$x}' specified for the field 'Items' "
            "returned an unsupported result type.",
        ),
    )


async def test_jsonata_items_may_be_an_array_template() -> None:
    """A literal Items array may hold expressions, each evaluated."""
    execution, _ = await run(jsonata_map(Items=[1, "two", "{% $states.input.a %}"]), {"a": 3})
    assert execution.output == [1, "two", 3]


async def test_jsonata_items_may_be_empty() -> None:
    """An expression yielding [] maps to [] without iterations."""
    execution, history = await run(jsonata_map(Items="{% [] %}"), {})
    assert execution.output == []
    assert "MapIterationStarted" not in [e.type for e in history]


async def test_jsonata_item_selector_sees_the_item_variables_and_literals() -> None:
    """ItemSelector evaluates per item, with $states.context.Map.Item and outer variables."""
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Start",
        "States": {
            "Start": {
                "Type": "Pass",
                "Assign": {"ItemsVar": ["Item1", "Item2"]},
                "Next": "MapState",
            },
            "MapState": map_state(
                Items="{% $ItemsVar %}",
                MaxConcurrency=1,
                ItemSelector={
                    "map_item_value": "{% $states.context.Map.Item.Value %}",
                    "var_sample": "{% $ItemsVar %}",
                    "string_literal": "string literal",
                },
            )["States"]["MapState"],
        },
    }
    execution, _ = await run(definition, {})
    assert execution.output == [
        {
            "map_item_value": "Item1",
            "var_sample": ["Item1", "Item2"],
            "string_literal": "string literal",
        },
        {
            "map_item_value": "Item2",
            "var_sample": ["Item1", "Item2"],
            "string_literal": "string literal",
        },
    ]


async def test_jsonata_max_concurrency_may_be_an_expression() -> None:
    """MaxConcurrency evaluated to 1 runs the iterations one at a time."""
    clock = VirtualClock()

    @task(WORK)
    async def work(payload: Any, ctx: TaskContext) -> Any:
        await ctx.sleep(10)
        return payload

    processor = {"StartAt": "W", "States": {"W": {"Type": "Task", "Resource": WORK, "End": True}}}
    definition = jsonata_map(processor, Items="{% [1, 2, 3] %}", MaxConcurrency="{% 2 - 1 %}")
    execution, _ = await run(definition, {}, tasks=[work], clock=clock)
    assert execution.output == [1, 2, 3]
    assert clock.elapsed == 30


async def test_jsonata_max_concurrency_must_evaluate_to_an_integer() -> None:
    """A MaxConcurrency expression yielding 1.5 is a States.QueryEvaluationError."""
    execution, _ = await run(jsonata_map(Items="{% [1] %}", MaxConcurrency="{% 1.5 %}"), {})
    assert (execution.error, execution.cause) == (
        "States.QueryEvaluationError",
        failed_at(2, "The MaxConcurrency field must evaluate to a valid integer, but was: 1.5"),
    )


async def test_jsonata_tolerated_failure_percentage_may_be_an_expression() -> None:
    """ToleratedFailurePercentage evaluated to 50 tolerates one failure in two."""
    fail_on_two = {
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input = 2 %}", "Next": "Broken"}],
                "Default": "Fine",
            },
            "Broken": {"Type": "Fail", "Error": "Bad", "Cause": "item two"},
            "Fine": {"Type": "Succeed"},
        },
    }
    definition = jsonata_map(
        fail_on_two, Items="{% [1, 2] %}", ToleratedFailurePercentage="{% 25 * 2 %}"
    )
    execution, _ = await run(definition, {})
    assert execution.output == [1, {"Error": "Bad", "Cause": "item two"}]
