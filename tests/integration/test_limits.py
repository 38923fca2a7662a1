"""AWS's limits, held wherever AWS holds them: payloads, history events, open executions."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from orchestra import Engine, StateMachine, task
from orchestra.testing import VirtualClock
from tests.helpers import machine, run

pytestmark = pytest.mark.anyio

FN = "arn:aws:lambda:us-east-1:123456789012:function:big"
LIMIT = 256 * 1024


def too_large(who: str) -> str:
    return (
        f"The state/task '{who}' returned a result with a size exceeding the maximum number "
        "of bytes service limit."
    )


def loop(body: dict[str, Any], *, until: int = 1000) -> dict[str, Any]:
    """A machine that runs ``body`` (a Pass) then counts, ``until`` times, or for ever."""
    return {
        "StartAt": "Grow",
        "States": {
            "Grow": {**body, "Type": "Pass", "Next": "Again"},
            "Again": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "Done"}],
                "Default": "Grow",
            },
            "Done": {"Type": "Succeed"},
        },
    }


async def test_a_growing_payload_fails_at_the_state_that_passes_the_limit() -> None:
    """A Pass that doubles its input fails as soon as its output is over 256 KiB."""
    definition = loop({"Parameters": {"a.$": "$", "b.$": "$"}})
    execution, history = await run(definition, {"x": "y" * 1000})
    assert (execution.status, execution.error, execution.cause) == (
        "FAILED",
        "States.DataLimitExceeded",
        too_large("Grow"),
    )
    # Eight doublings reach 256 KiB; the state that fails records no output.
    assert [event.type for event in history[-3:]] == [
        "ChoiceStateExited",
        "PassStateEntered",
        "ExecutionFailed",
    ]
    exited = [event for event in history if event.type == "PassStateExited"]
    assert len(exited) == 8
    assert len(exited[-1].details["output"]) <= LIMIT  # type: ignore[index]


async def test_sharing_cannot_hide_an_exponential_payload() -> None:
    """Shared parts count every time they appear: 2**60 bytes fail at once, cheaply."""
    definition = loop({"Parameters": {"a.$": "$", "b.$": "$"}, "ResultPath": "$.x"})
    with anyio.fail_after(5):
        execution, _ = await run(definition, {})
    assert (execution.error, execution.cause) == ("States.DataLimitExceeded", too_large("Grow"))


async def test_nesting_deeper_than_the_engine_holds_fails() -> None:
    """A loop that wraps its input once more each turn fails at 512 levels."""
    definition = loop({"Parameters": {"a.$": "$"}})
    with anyio.fail_after(10):
        execution, history = await run(definition, {})
    assert (execution.error, execution.cause) == (
        "States.DataLimitExceeded",
        "The state/task 'Grow' returned a result nested more than 512 levels deep.",
    )
    exited = [event for event in history if event.type == "PassStateExited"]
    assert len(exited) == 511


async def test_a_pass_result_over_the_limit_fails() -> None:
    """A Result larger than the limit fails the state, as AWS records it."""
    definition = machine(("Big", {"Type": "Pass", "Result": {"a": "x" * LIMIT}}))
    execution, history = await run(definition, {})
    assert (execution.error, execution.cause) == ("States.DataLimitExceeded", too_large("Big"))
    assert [event.type for event in history] == [
        "ExecutionStarted",
        "PassStateEntered",
        "ExecutionFailed",
    ]


async def test_a_smaller_limit_is_honoured_everywhere() -> None:
    """``payload_limit`` applies to every state's output."""
    twice = {"copy.$": "$.text", "again.$": "$.text"}
    definition = machine(("Echo", {"Type": "Pass", "Parameters": twice}))
    fits, _ = await run(definition, {"text": "a" * 15}, payload_limit=60)
    assert fits.status == "SUCCEEDED"
    over, _ = await run(definition, {"text": "a" * 30}, payload_limit=70)
    assert (over.error, over.cause) == ("States.DataLimitExceeded", too_large("Echo"))


async def test_map_results_over_the_limit_fail_the_map() -> None:
    """Each iteration fits; all of them together do not."""
    definition = machine(
        (
            "Each",
            {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "Pad",
                    "States": {
                        "Pad": {
                            "Type": "Pass",
                            "Parameters": {"a.$": "$.text", "b.$": "$.text"},
                            "End": True,
                        }
                    },
                },
            },
        )
    )
    items = [{"text": "x" * 30_000} for _ in range(5)]
    execution, _ = await run(definition, items)
    assert (execution.error, execution.cause) == ("States.DataLimitExceeded", too_large("Each"))


async def test_parallel_outputs_over_the_limit_fail_the_parallel() -> None:
    """Two branches that each copy a large input give an output over the limit."""
    branches = [{"StartAt": name, "States": {name: {"Type": "Pass", "End": True}}} for name in "AB"]
    definition = machine(("Both", {"Type": "Parallel", "Branches": branches}))
    execution, _ = await run(definition, {"text": "x" * 150_000})
    assert (execution.error, execution.cause) == ("States.DataLimitExceeded", too_large("Both"))


async def test_an_item_selector_output_over_the_limit_fails_the_map() -> None:
    """An iteration's input is held to the limit too."""
    definition = machine(
        (
            "Each",
            {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemSelector": {"a.$": "$.text", "b.$": "$.text"},
                "ItemProcessor": {
                    "StartAt": "Same",
                    "States": {"Same": {"Type": "Pass", "End": True}},
                },
            },
        )
    )
    execution, _ = await run(definition, {"items": [1], "text": "x" * 150_000})
    assert (execution.error, execution.cause) == ("States.DataLimitExceeded", too_large("Each"))


async def test_task_parameters_over_the_limit_fail_before_the_call() -> None:
    """A task's input is a payload too: over the limit, the task is never called."""
    called: list[Any] = []

    @task(FN)
    async def big(payload: Any) -> None:
        called.append(payload)

    definition = machine(
        ("Call", {"Type": "Task", "Resource": FN, "Parameters": {"a.$": "$", "b.$": "$"}})
    )
    execution, _ = await run(definition, {"text": "x" * 150_000}, tasks=[big])
    assert (execution.error, execution.cause) == ("States.DataLimitExceeded", too_large("Call"))
    assert called == []


async def test_an_assign_over_the_limit_fails_the_state() -> None:
    """Variables are held to the payload limit, one Assign at a time."""
    definition = machine(
        ("Keep", {"Type": "Pass", "Assign": {"a.$": "$.text", "b.$": "$.text"}}),
        ("Use", {"Type": "Pass", "Parameters": {"a.$": "$a"}}),
    )
    small, _ = await run(definition, {"text": "x" * 100})
    assert small.output == {"a": "x" * 100}
    execution, _ = await run(definition, {"text": "x" * 150_000})
    assert (execution.error, execution.cause) == (
        "States.DataLimitExceeded",
        "The state/task 'Keep' assigned variables with a size exceeding the maximum number "
        "of bytes service limit.",
    )


async def test_a_jsonata_output_over_the_limit_fails() -> None:
    """The evaluator holds a JSONata result to the limit."""
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Pad",
        "States": {"Pad": {"Type": "Pass", "Output": "{% $pad('', 300000, 'x') %}", "End": True}},
    }
    execution, _ = await run(definition, {})
    assert (execution.error, execution.cause) == ("States.DataLimitExceeded", too_large("Pad"))


async def test_a_choice_loop_ends_at_the_history_limit() -> None:
    """A loop without end fails with States.Runtime as event number 25,000, as on AWS."""
    definition = {
        "StartAt": "Spin",
        "States": {
            "Spin": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "Done"}],
                "Default": "Spin",
            },
            "Done": {"Type": "Succeed"},
        },
    }
    with anyio.fail_after(20):
        execution, history = await run(definition, {"spin": True})
    assert (execution.status, execution.error, execution.cause) == (
        "FAILED",
        "States.Runtime",
        "The execution reached the maximum number of history events (25000).",
    )
    assert len(history) == 25_000
    assert (history[-1].id, history[-1].type, history[-2].type) == (
        25_000,
        "ExecutionFailed",
        "ChoiceStateExited",
    )


async def test_the_history_limit_can_be_lowered() -> None:
    """``max_history_events`` sets the limit; a retry loop stops at it too."""
    FAILS = "arn:aws:lambda:us-east-1:123456789012:function:fails"

    @task(FAILS)
    async def fails(payload: Any) -> None:
        raise RuntimeError("again")

    definition = machine(
        (
            "Call",
            {
                "Type": "Task",
                "Resource": FAILS,
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 99999999}],
            },
        )
    )
    execution, history = await run(definition, {}, tasks=[fails], max_history_events=40)
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        "The execution reached the maximum number of history events (40).",
    )
    assert [event.id for event in history] == list(range(1, 41))


async def test_an_execution_that_ends_at_the_last_event_succeeds() -> None:
    """If the event at the limit is ExecutionSucceeded, the execution succeeds."""
    definition = machine(*[(f"S{k}", {"Type": "Pass"}) for k in range(4)])
    # ExecutionStarted, 4 x (Entered, Exited), ExecutionSucceeded: 10 events.
    execution, history = await run(definition, {}, max_history_events=10)
    assert execution.status == "SUCCEEDED"
    assert (len(history), history[-1].type) == (10, "ExecutionSucceeded")
    execution, history = await run(definition, {}, max_history_events=9)
    assert (execution.status, len(history), history[-1].type) == (
        "FAILED",
        9,
        "ExecutionFailed",
    )


async def test_a_map_fails_when_its_iterations_fill_the_history() -> None:
    """The iteration that overflows the history fails the Map, and the execution with it."""
    definition = machine(
        (
            "Each",
            {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "Same",
                    "States": {"Same": {"Type": "Pass", "End": True}},
                },
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
            },
        ),
        ("Caught", {"Type": "Succeed"}),
    )
    execution, history = await run(definition, list(range(100)), max_history_events=50)
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert (len(history), history[-1].type) == (50, "ExecutionFailed")


async def test_a_machine_that_starts_itself_stops_at_the_open_execution_limit() -> None:
    """Each execution starts another and waits for it: the chain ends with an error."""
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:recursive"
    definition = machine(
        (
            "Again",
            {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": arn},
            },
        )
    )
    recursive = StateMachine.from_definition(definition, name="recursive")
    bystander = StateMachine.from_definition(
        machine(("Rest", {"Type": "Wait", "Seconds": 60})), name="bystander"
    )
    clock = VirtualClock()
    async with Engine(machines=[recursive], clock=clock, max_open_executions=50) as engine:
        other = await engine.start_execution(bystander, {"ok": 1})
        with anyio.fail_after(10):
            first = await engine.start_execution(recursive, {})
            await first.wait()
        assert await other.result() == {"ok": 1}
        executions = engine.list_executions(recursive)
    assert len(executions) == 49
    deepest = executions[0]
    assert deepest.error == "StepFunctions.ExecutionLimitExceededException"
    assert deepest.cause is not None
    assert "the maximum number of running executions (50) has been reached" in deepest.cause
    assert {execution.status for execution in executions} == {"FAILED"}
    assert first.error == "States.TaskFailed"
    # Each parent quotes its child's description in its cause: cut to AWS's 32,768.
    assert first.cause is not None
    assert first.cause.startswith('{"Cause":')
    assert len(first.cause) == 32768
