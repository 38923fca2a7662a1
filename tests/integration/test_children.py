"""Child executions (``states:startExecution``), and the orchestrator example built on them."""

from __future__ import annotations

import json
import runpy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
import structlog
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from orchestra import (
    Engine,
    Execution,
    RegistrationError,
    StateMachine,
    StateMachineDoesNotExist,
    TaskContext,
    task,
)
from orchestra.testing import VirtualClock
from tests.helpers import machine

pytestmark = pytest.mark.anyio

START = "arn:aws:states:::states:startExecution"
WORK = "arn:aws:lambda:us-east-1:123456789012:function:work"
CHILD_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:child"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "orchestrator" / "run.py"


def starter(resource: str, *, child: str = CHILD_ARN, **fields: Any) -> dict[str, Any]:
    """A parent that starts ``child`` with its own input, linked to itself."""
    return machine(
        (
            "Start",
            {
                "Type": "Task",
                "Resource": resource,
                "Parameters": {
                    "StateMachineArn": child,
                    "Name": "kid",
                    "Input": {
                        "value.$": "$.value",
                        "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id",
                    },
                },
                **fields,
            },
        )
    )


def child_machine(*states: tuple[str, dict[str, Any]], name: str = "child") -> StateMachine:
    return StateMachine.from_definition(machine(*states), name=name)


DOUBLE = child_machine(("Double", {"Type": "Pass", "Parameters": {"doubled.$": "$.value"}}))


async def run_parent(
    definition: dict[str, Any], input: Any, *children: StateMachine, **options: Any
) -> tuple[Engine, Execution]:
    parent = StateMachine.from_definition(definition, name="parent")
    async with Engine(machines=children, clock=VirtualClock(), **options) as engine:
        execution = await engine.start_execution(parent, input, name="mom")
        await execution.wait()
    return engine, execution


async def test_start_execution_returns_at_once() -> None:
    """``startExecution`` returns ExecutionArn and StartDate while the child still runs."""
    slow = child_machine(("Nap", {"Type": "Wait", "Seconds": 3600}))
    parent = StateMachine.from_definition(starter(START), name="parent")
    clock = VirtualClock()
    async with Engine(machines=[slow], clock=clock) as engine:
        execution = await engine.start_execution(parent, {"value": 1}, name="mom")
        output = await execution.result()
        (child,) = engine.list_executions("child")
        assert child.status == "RUNNING"
        assert clock.elapsed == 0
        await child.wait()
    assert list(output) == ["ExecutionArn", "SdkHttpMetadata", "SdkResponseMetadata", "StartDate"]
    assert output["ExecutionArn"] == "arn:aws:states:us-east-1:123456789012:execution:child:kid"
    assert output["StartDate"] == round(child.start_date.timestamp() * 1000)
    assert output["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert child.status == "SUCCEEDED"


async def test_sync_returns_describe_execution_with_json_text() -> None:
    """``.sync`` waits and returns DescribeExecution, with Input and Output as JSON text."""
    engine, execution = await run_parent(starter(f"{START}.sync"), {"value": 21}, DOUBLE)
    output = execution.output
    assert list(output) == [
        "ExecutionArn",
        "Input",
        "InputDetails",
        "Name",
        "Output",
        "OutputDetails",
        "StartDate",
        "StateMachineArn",
        "Status",
        "StopDate",
    ]
    assert json.loads(output["Output"]) == {"doubled": 21}
    assert json.loads(output["Input"]) == {
        "value": 21,
        "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": execution.arn,
    }
    assert output["InputDetails"] == output["OutputDetails"] == {"Included": True}
    assert (output["Name"], output["Status"], output["StateMachineArn"]) == (
        "kid",
        "SUCCEEDED",
        CHILD_ARN,
    )
    assert isinstance(output["StartDate"], int)
    assert isinstance(output["StopDate"], int)
    events = await engine.get_execution_history(execution)
    assert [e.type for e in events][2:6] == [
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskSucceeded",
    ]
    assert events[4].details is not None
    submitted = json.loads(events[4].details["output"])
    assert submitted["ExecutionArn"] == output["ExecutionArn"]
    assert submitted["StartDate"] == output["StartDate"]
    assert (events[4].details["resourceType"], events[4].details["resource"]) == (
        "states",
        "startExecution.sync",
    )


async def test_sync2_returns_input_and_output_as_json() -> None:
    """``.sync:2`` returns the same shape with Input and Output parsed."""
    _, execution = await run_parent(starter(f"{START}.sync:2"), {"value": 5}, DOUBLE)
    assert execution.output["Output"] == {"doubled": 5}
    assert execution.output["Input"]["value"] == 5


async def test_a_failed_child_fails_the_sync_state_with_its_description() -> None:
    """A child's failure is States.TaskFailed; the cause is its DescribeExecution JSON."""
    failing = child_machine(("Boom", {"Type": "Fail", "Error": "Kid.Broke", "Cause": "oops"}))
    _, execution = await run_parent(starter(f"{START}.sync"), {"value": 1}, failing)
    assert execution.error == "States.TaskFailed"
    assert execution.cause is not None
    cause = json.loads(execution.cause)
    assert list(cause) == [
        "Cause",
        "Error",
        "ExecutionArn",
        "Input",
        "InputDetails",
        "Name",
        "StartDate",
        "StateMachineArn",
        "Status",
        "StopDate",
    ]
    assert (cause["Status"], cause["Error"], cause["Cause"]) == ("FAILED", "Kid.Broke", "oops")


async def test_a_child_failure_can_be_caught() -> None:
    """Catch sees the child's failure like any task failure."""
    failing = child_machine(("Boom", {"Type": "Fail", "Error": "Kid.Broke"}))
    definition = starter(
        f"{START}.sync:2", Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "Fallback"}]
    )
    definition["States"]["Fallback"] = {"Type": "Pass", "Result": "fallback", "End": True}
    _, execution = await run_parent(definition, {"value": 1}, failing)
    assert execution.output == "fallback"


async def test_children_know_their_parent_and_root() -> None:
    """A grandchild's parent is the child, its root the parent; tasks see the root's name."""
    seen: list[tuple[str, str]] = []

    @task(WORK)
    async def work(payload: Any, ctx: TaskContext) -> str:
        seen.append((ctx.execution_name, ctx.root_execution_name))
        return "worked"

    grandchild = child_machine(("Work", {"Type": "Task", "Resource": WORK}), name="grandchild")
    child = StateMachine.from_definition(
        starter(f"{START}.sync:2", child="grandchild"), name="child"
    )
    engine, execution = await run_parent(
        starter(f"{START}.sync:2"), {"value": 1}, child, grandchild, tasks=[work]
    )
    assert execution.status == "SUCCEEDED"
    (kid,) = engine.list_executions("child")
    (grandkid,) = engine.list_executions("grandchild")
    assert (kid.parent, kid.root) == (execution, execution)
    assert (grandkid.parent, grandkid.root) == (kid, execution)
    assert execution.parent is None
    assert seen == [("kid", "mom")]


async def test_a_child_without_started_by_has_no_parent() -> None:
    """Without ``AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID`` a child is its own root."""
    definition = machine(
        (
            "Start",
            {
                "Type": "Task",
                "Resource": f"{START}.sync:2",
                "Parameters": {"StateMachineArn": "child", "Input": {"value": 3}},
            },
        )
    )
    engine, execution = await run_parent(definition, {}, DOUBLE)
    (kid,) = engine.list_executions(DOUBLE)
    assert kid.parent is None
    assert kid.root is kid
    assert execution.output["Output"] == {"doubled": 3}


async def test_stopping_the_parent_aborts_its_running_children() -> None:
    """A stopped parent stops its ``.sync`` children: they end ABORTED, no task keeps running."""
    started: list[str] = []
    cancelled: list[str] = []
    everyone = anyio.Event()

    @task(WORK)
    async def work(payload: Any, ctx: TaskContext) -> None:
        started.append(ctx.execution_name)
        if len(started) == 2:
            everyone.set()
        try:
            await anyio.sleep_forever()
        finally:
            cancelled.append(ctx.execution_name)

    worker = child_machine(("Work", {"Type": "Task", "Resource": WORK}))
    definition = machine(
        (
            "Each",
            {
                "Type": "Map",
                "ItemsPath": "$.names",
                "ItemProcessor": {
                    "StartAt": "Start",
                    "States": {
                        "Start": {
                            "Type": "Task",
                            "Resource": f"{START}.sync",
                            "Parameters": {
                                "StateMachineArn": "child",
                                "Name.$": "$",
                                "Input": {
                                    "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": (
                                        "$$.Execution.Id"
                                    )
                                },
                            },
                            "End": True,
                        }
                    },
                },
            },
        )
    )
    parent = StateMachine.from_definition(definition, name="parent")
    async with Engine(tasks=[work], machines=[worker], clock=VirtualClock()) as engine:
        execution = await engine.start_execution(parent, {"names": ["a", "b"]})
        with anyio.fail_after(2):
            await everyone.wait()
            await engine.stop_execution(execution, "Operator.Stop", "enough")
        children = engine.list_executions("child")
        assert [c.status for c in children] == ["ABORTED", "ABORTED"]
        assert sorted(cancelled) == ["a", "b"]
        history = await engine.get_execution_history(children[0])
    assert (execution.status, execution.error, execution.cause) == (
        "ABORTED",
        "Operator.Stop",
        "enough",
    )
    assert history[-1].type == "ExecutionAborted"


async def test_a_failing_parent_stops_its_sync_children() -> None:
    """A failure elsewhere in the parent cancels the ``.sync`` state and stops its child."""
    slow = child_machine(("Nap", {"Type": "Wait", "Seconds": 3600}))
    definition = machine(
        (
            "Both",
            {
                "Type": "Parallel",
                "Branches": [
                    starter(f"{START}.sync"),
                    machine(
                        ("Pause", {"Type": "Wait", "Seconds": 5}),
                        ("Boom", {"Type": "Fail", "Error": "Sibling.Failed"}),
                    ),
                ],
            },
        )
    )
    engine, execution = await run_parent(definition, {"value": 1}, slow)
    (kid,) = engine.list_executions("child")
    assert execution.error == "Sibling.Failed"
    assert kid.status == "ABORTED"
    assert kid.stop_date is not None
    assert (kid.stop_date - kid.start_date).total_seconds() == 5


async def test_a_sync_state_timeout_stops_the_child() -> None:
    """TimeoutSeconds on a ``.sync`` state fails it with States.Timeout and stops the child."""
    slow = child_machine(("Nap", {"Type": "Wait", "Seconds": 3600}))
    engine, execution = await run_parent(
        starter(f"{START}.sync", TimeoutSeconds=60), {"value": 1}, slow
    )
    (kid,) = engine.list_executions("child")
    assert execution.error == "States.Timeout"
    assert kid.status == "ABORTED"


@pytest.mark.parametrize(
    ("child", "error", "message"),
    [
        (
            "arn:aws:states:us-east-1:123456789012:stateMachine:nobody",
            "StepFunctions.StateMachineDoesNotExistException",
            "State Machine Does Not Exist: 'arn:aws:states:us-east-1:123456789012:"
            "stateMachine:nobody' (Service: AWSStepFunctions; Status Code: 400; Error Code: "
            "StateMachineDoesNotExist; Request ID: ",
        ),
        (
            "arn:aws:states:eu-west-1:123456789012:stateMachine:child",
            "StepFunctions.StateMachineDoesNotExistException",
            "State Machine Does Not Exist: ",
        ),
    ],
)
async def test_an_unknown_child_machine_fails_as_aws_does(
    child: str, error: str, message: str
) -> None:
    """Starting a machine the engine does not know fails with the StepFunctions error."""
    _, execution = await run_parent(starter(START, child=child), {"value": 1}, DOUBLE)
    assert execution.error == error
    assert execution.cause is not None
    assert execution.cause.startswith(message)


async def test_a_child_name_already_used_fails_the_state() -> None:
    """Reusing a closed child's name fails with ExecutionAlreadyExists, as on AWS."""
    definition = machine(
        (
            "Twice",
            {
                "Type": "Map",
                "ItemsPath": "$.runs",
                "MaxConcurrency": 1,
                "ItemProcessor": machine(
                    (
                        "Start",
                        {
                            "Type": "Task",
                            "Resource": f"{START}.sync:2",
                            "Parameters": {
                                "StateMachineArn": "child",
                                "Name": "same",
                                "Input.$": "$",
                            },
                        },
                    )
                ),
            },
        )
    )
    _, execution = await run_parent(definition, {"runs": [{"value": 1}, {"value": 2}]}, DOUBLE)
    assert execution.error == "StepFunctions.ExecutionAlreadyExistsException"


async def test_a_users_task_can_stand_in_for_children() -> None:
    """A task bound to the integration's resource replaces the engine's own."""

    @task(f"{START}.sync:2")
    async def fake_child(parameters: Any) -> dict[str, Any]:
        return {"Output": {"stubbed": parameters["StateMachineArn"]}, "Status": "SUCCEEDED"}

    _, execution = await run_parent(starter(f"{START}.sync:2"), {"value": 1}, tasks=[fake_child])
    assert execution.output["Output"] == {"stubbed": CHILD_ARN}


async def test_machines_are_registered_and_found_by_name_or_arn() -> None:
    """``register`` makes a machine addressable; a second machine of that name is refused."""
    async with Engine(clock=VirtualClock()) as engine:
        assert engine.register(DOUBLE) is DOUBLE
        engine.register(DOUBLE)
        assert engine.state_machines == (DOUBLE,)
        by_name = await engine.start_execution("child", {"value": 1})
        by_arn = await engine.start_execution(CHILD_ARN, {"value": 2})
        assert [await by_name.result(), await by_arn.result()] == [{"doubled": 1}, {"doubled": 2}]
        with pytest.raises(RegistrationError, match="already registered as 'child'"):
            engine.register(child_machine(("Other", {"Type": "Pass"})))
        with pytest.raises(StateMachineDoesNotExist, match="State Machine Does Not Exist"):
            await engine.start_execution("nobody")


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> Iterator[TracerProvider]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider
    provider.shutdown()


async def test_a_childs_execution_span_nests_under_the_parents_task_span(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """The child's spans are in the parent's trace, under the task span that started it."""
    await run_parent(starter(f"{START}.sync"), {"value": 1}, DOUBLE, tracer_provider=provider)
    spans = exporter.get_finished_spans()
    executions = [s for s in spans if s.name == "orchestra.execution"]
    by_name = {(s.attributes or {}).get("orchestra.execution.name"): s for s in executions}
    parent, child = by_name["mom"], by_name["kid"]
    task_span = next(s for s in spans if s.name == "orchestra.task")
    assert child.parent is not None
    assert task_span.context is not None
    assert child.parent.span_id == task_span.context.span_id
    assert parent.context is not None
    assert child.context is not None
    assert child.context.trace_id == parent.context.trace_id
    assert (child.attributes or {}).get("orchestra.root_execution.name") == "mom"


def load_example() -> dict[str, Any]:
    sys.path.insert(0, str(EXAMPLE.parent))
    try:
        return runpy.run_path(str(EXAMPLE))
    finally:
        sys.path.remove(str(EXAMPLE.parent))


async def test_the_orchestrator_example_runs_each_enabled_target() -> None:
    """The orchestrator skips the disabled target, delays one, and runs the children."""
    example = load_example()
    with structlog.testing.capture_logs() as logs:
        engine, parent, clock = await example["orchestrate"]({"image": "cat.png"}, name="up-1")
    assert parent.output == [
        {
            "target": "up-1-thumbnails",
            "status": "SUCCEEDED",
            "output": {"thumbnails": ["cat-64.jpg", "cat-256.jpg"]},
        },
        {"target": "archive", "status": "SKIPPED"},
        {
            "target": "up-1-newsletter",
            "status": "SUCCEEDED",
            "output": {"sent": True, "channel": "email", "image": "cat.png"},
        },
    ]
    assert clock.elapsed == 600
    waits = [
        e.details
        for e in await engine.get_execution_history(parent)
        if e.type == "WaitStateEntered"
    ]
    assert [json.loads(d["input"])["target"]["name"] for d in waits if d] == ["newsletter"]
    children = [c for m in engine.state_machines for c in engine.list_executions(m)]
    assert sorted(c.name for c in children) == ["up-1-newsletter", "up-1-thumbnails"]
    assert all(c.parent is parent and c.root is parent for c in children)
    task_logs = [entry for entry in logs if entry["event"].endswith(("rendered", "sent"))]
    assert [entry["root_execution"] for entry in task_logs] == ["up-1", "up-1"]


async def test_the_orchestrator_example_can_skip_delays() -> None:
    """With ``debug.skipDelays`` no target waits: only the rendering takes virtual time."""
    example = load_example()
    engine, parent, clock = await example["orchestrate"](
        {"image": "cat.png"}, name="up-2", skip_delays=True
    )
    assert [r["status"] for r in parent.output] == ["SUCCEEDED", "SKIPPED", "SUCCEEDED"]
    assert clock.elapsed == 2
    events = await engine.get_execution_history(parent)
    assert not any(e.type == "WaitStateEntered" for e in events)


@pytest.mark.parametrize(
    ("parameters", "error", "cause"),
    [
        (
            {"Input": {}},
            "StepFunctions.ValidationException",
            "1 validation error detected: Value null at 'stateMachineArn'",
        ),
        (
            {"StateMachineArn": "child", "Input": "{not json"},
            "StepFunctions.InvalidExecutionInputException",
            "Invalid State Machine Execution Input: '{not json'",
        ),
        (
            {"StateMachineArn": "child", "Name": 7},
            "StepFunctions.InvalidNameException",
            "Invalid Name: '7'",
        ),
        (
            {"StateMachineArn": "child", "Name": "no spaces please"},
            "StepFunctions.InvalidNameException",
            "Invalid Name: 'no spaces please'",
        ),
    ],
)
async def test_bad_start_parameters_fail_as_the_service_does(
    parameters: dict[str, Any], error: str, cause: str
) -> None:
    """Parameters StartExecution would refuse fail the state with the service's error."""
    definition = machine(("Start", {"Type": "Task", "Resource": START, "Parameters": parameters}))
    _, execution = await run_parent(definition, {}, DOUBLE)
    assert execution.error == error
    assert execution.cause is not None
    assert execution.cause.startswith(cause)


async def test_a_child_input_given_as_json_text_is_parsed() -> None:
    """``Input`` may be JSON text, as the API takes it."""
    definition = machine(
        (
            "Start",
            {
                "Type": "Task",
                "Resource": f"{START}.sync:2",
                "Parameters": {"StateMachineArn": "child", "Input.$": "States.JsonToString($)"},
            },
        )
    )
    _, execution = await run_parent(definition, {"value": 4}, DOUBLE)
    assert execution.output["Output"] == {"doubled": 4}


async def test_a_child_completes_its_parents_token() -> None:
    """With ``.waitForTaskToken`` the parent waits until the child sends its token back."""
    engines: list[Engine] = []

    @task(WORK)
    async def reply(payload: Any) -> None:
        await engines[0].send_task_success(payload["token"], {"from": "child"})

    replier = child_machine(
        ("Reply", {"Type": "Task", "Resource": WORK, "Parameters": {"token.$": "$.token"}})
    )
    definition = machine(
        (
            "Start",
            {
                "Type": "Task",
                "Resource": f"{START}.waitForTaskToken",
                "Parameters": {
                    "StateMachineArn": "child",
                    "Input": {"token.$": "$$.Task.Token"},
                },
            },
        )
    )
    parent = StateMachine.from_definition(definition, name="parent")
    async with Engine(tasks=[reply], machines=[replier], clock=VirtualClock()) as engine:
        engines.append(engine)
        execution = await engine.start_execution(parent, {})
        assert await execution.result() == {"from": "child"}
        events = await engine.get_execution_history(execution)
    assert [e.type for e in events][4:6] == ["TaskSubmitted", "TaskSucceeded"]
