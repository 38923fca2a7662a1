"""Distributed Map: each iteration a child run, MapRun events in the parent's history.

Outputs and event sequences are the ones AWS records for the same definitions and inputs.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import FAIL_ON_TWO, PASS_THROUGH, run

pytestmark = pytest.mark.anyio


def distributed_map(processor: dict[str, Any] = PASS_THROUGH, **fields: Any) -> dict[str, Any]:
    """A machine of one distributed Map state named M."""
    config = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}}
    state = {"Type": "Map", "ItemProcessor": {**config, **processor}, "End": True, **fields}
    return {"StartAt": "M", "States": {"M": state}}


async def test_a_distributed_map_records_map_run_events_instead_of_iterations() -> None:
    """The parent's history has MapRunStarted/Succeeded and none of the iterations' events."""
    execution, history = await run(distributed_map(Label="TestMap"), ["Hello", "World"])
    assert execution.output == ["Hello", "World"]
    assert [e.type for e in history] == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]


async def test_a_distributed_item_selector_sees_the_item_and_the_state_input() -> None:
    """ItemSelector reads $$.Map.Item.Value and Index, and the Map's own input."""
    selector = {
        "constantValue": "constant",
        "mapValue.$": "$$.Map.Item.Value",
        "index.$": "$$.Map.Item.Index",
        "fromInput.$": "$",
    }
    execution, _ = await run(
        distributed_map(MaxConcurrency=1, ItemSelector=selector), ["Hello", "World"]
    )
    assert execution.output == [
        {
            "constantValue": "constant",
            "mapValue": "Hello",
            "index": 0,
            "fromInput": ["Hello", "World"],
        },
        {
            "constantValue": "constant",
            "mapValue": "World",
            "index": 1,
            "fromInput": ["Hello", "World"],
        },
    ]


async def test_a_distributed_item_selector_may_read_only_the_input() -> None:
    """An ItemSelector without context references is applied to every item alike."""
    definition = distributed_map(ItemsPath="$.values", ItemSelector={"bucketName.$": "$.bucket"})
    execution, _ = await run(definition, {"bucket": "b", "values": ["1", "2"]})
    assert execution.output == [{"bucketName": "b"}, {"bucketName": "b"}]


async def test_distributed_maps_nest() -> None:
    """A distributed Map inside a distributed Map's processor runs as a child of a child."""
    inner = distributed_map(
        {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}},
        ItemsPath="$.sub-values",
        ResultPath="$.result",
    )["States"]["M"]
    definition = distributed_map({"StartAt": "Sub", "States": {"Sub": inner}}, ItemsPath="$.values")
    sub_values = [{"num": 1, "str": "A"}, {"num": 2, "str": "B"}]
    execution, _ = await run(definition, {"values": [{"sub-values": sub_values}]})
    assert execution.output == [{"sub-values": sub_values, "result": sub_values}]


async def test_a_failed_distributed_iteration_fails_the_map_run() -> None:
    """The iteration's error and cause end the run, after MapRunFailed and MapStateFailed."""
    execution, history = await run(distributed_map(FAIL_ON_TWO), [1, 2, 3])
    assert (execution.error, execution.cause) == ("Bad", "item two")
    assert [e.type for e in history][3:] == [
        "MapRunStarted",
        "MapRunFailed",
        "MapStateFailed",
        "ExecutionFailed",
    ]
    assert history[4].to_dict()["mapRunFailedEventDetails"] == {"error": "Bad", "cause": "item two"}


async def test_a_distributed_map_tolerates_failures_up_to_the_count() -> None:
    """Within ToleratedFailureCount a failed item becomes its error output."""
    execution, history = await run(distributed_map(FAIL_ON_TWO, ToleratedFailureCount=1), [1, 2, 3])
    assert execution.output == [1, {"Error": "Bad", "Cause": "item two"}, 3]
    assert "MapRunSucceeded" in [e.type for e in history]


async def test_a_distributed_map_past_its_tolerance_fails_with_the_threshold_error() -> None:
    """One failure more than tolerated fails the Map with ExceedToleratedFailureThreshold."""
    execution, history = await run(distributed_map(FAIL_ON_TWO, ToleratedFailureCount=0), [1, 2])
    assert (execution.error, execution.cause) == (
        "States.ExceedToleratedFailureThreshold",
        "The specified tolerated failure threshold was exceeded",
    )
    assert "MapRunFailed" in [e.type for e in history]
