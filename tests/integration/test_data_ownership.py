"""Task code gets data it may change freely: nothing it does reaches the engine's own."""

from __future__ import annotations

from typing import Any

import pytest

from orchestra import TaskFailed, task
from tests.helpers import machine, run

pytestmark = pytest.mark.anyio

FN = "arn:aws:lambda:us-east-1:123456789012:function:meddle"
INVOKE = "arn:aws:states:::lambda:invoke"


def meddler(seen: list[Any], *, fail_first: bool = False) -> Any:
    """A task that records its input, then wrecks it (and fails on its first call if asked)."""

    @task(FN)
    async def meddle(payload: Any) -> Any:
        seen.append(repr(payload))
        payload["order"]["items"].append("stolen")
        payload["order"]["id"] = "changed"
        payload["extra"] = True
        if fail_first and len(seen) == 1:
            raise TaskFailed("Busy")
        return {"done": True}

    return meddle


async def test_a_task_changing_its_input_leaves_history_and_output_alone() -> None:
    """The recorded parameters and the input ResultPath merges into stay as they were."""
    seen: list[Any] = []
    definition = machine(("Call", {"Type": "Task", "Resource": FN, "ResultPath": "$.result"}))
    data = {"order": {"id": "A-1", "items": ["desk"]}}
    execution, history = await run(definition, data, tasks=[meddler(seen)])
    assert execution.output == {**data, "result": {"done": True}}
    scheduled = next(event for event in history if event.type == "LambdaFunctionScheduled")
    assert scheduled.details is not None
    assert scheduled.details["input"] == '{"order":{"id":"A-1","items":["desk"]}}'
    entered = next(event for event in history if event.type == "TaskStateEntered")
    assert entered.details is not None
    assert entered.details["input"] == '{"order":{"id":"A-1","items":["desk"]}}'


async def test_a_retry_gets_the_input_unchanged() -> None:
    """The second attempt sees what the first saw, whatever the first did to it."""
    seen: list[Any] = []
    definition = machine(
        (
            "Call",
            {
                "Type": "Task",
                "Resource": FN,
                "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 1}],
            },
        )
    )
    data = {"order": {"id": "A-1", "items": ["desk"]}}
    execution, _ = await run(definition, data, tasks=[meddler(seen, fail_first=True)])
    assert execution.status == "SUCCEEDED"
    assert seen == [repr(data), repr(data)]


async def test_map_iterations_do_not_see_each_others_changes() -> None:
    """Items that share objects (a definition constant) reach each iteration intact."""
    seen: list[Any] = []
    definition = machine(
        (
            "Each",
            {
                "Type": "Map",
                "ItemsPath": "$.orders",
                "ItemSelector": {"order": {"id.$": "$$.Map.Item.Value", "items": ["desk"]}},
                "MaxConcurrency": 1,
                "ItemProcessor": {
                    "StartAt": "Call",
                    "States": {"Call": {"Type": "Task", "Resource": FN, "End": True}},
                },
            },
        )
    )
    execution, _ = await run(definition, {"orders": ["A", "B", "C"]}, tasks=[meddler(seen)])
    assert execution.status == "SUCCEEDED"
    assert seen == [repr({"order": {"id": name, "items": ["desk"]}}) for name in "ABC"]


async def test_a_task_cannot_change_the_definitions_constants() -> None:
    """A constant from Parameters is the definition's: each run gets it unchanged."""
    seen: list[Any] = []
    definition = machine(
        (
            "Call",
            {"Type": "Task", "Resource": FN, "Parameters": {"order": {"id": "K", "items": []}}},
        ),
        (
            "Again",
            {"Type": "Task", "Resource": FN, "Parameters": {"order": {"id": "K", "items": []}}},
        ),
    )
    await run(definition, {}, tasks=[meddler(seen)])
    await run(definition, {}, tasks=[meddler(seen)])
    assert seen == [repr({"order": {"id": "K", "items": []}})] * 4


async def test_lambda_invoke_payload_is_the_tasks_own() -> None:
    """``lambda:invoke`` hands over a copy of its Payload too."""
    seen: list[Any] = []
    definition = machine(
        (
            "Call",
            {
                "Type": "Task",
                "Resource": INVOKE,
                "Parameters": {"FunctionName": "meddle", "Payload.$": "$"},
                "ResultSelector": {"done.$": "$.Payload.done"},
                "ResultPath": "$.result",
            },
        )
    )
    data = {"order": {"id": "A-1", "items": []}}
    execution, _ = await run(definition, data, tasks=[meddler(seen)])
    assert execution.output == {**data, "result": {"done": True}}
