"""Python tasks bound to Task state resources, called as AWS would call them."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import pytest
import structlog

from orchestra import Engine, RegistrationError, StateMachine, TaskContext, TaskFailed, task
from orchestra.testing import VirtualClock
from tests.helpers import machine, run

pytestmark = pytest.mark.anyio

FN = "arn:aws:lambda:us-east-1:123456789012:function:double"


@task(FN)
async def double(payload: dict[str, Any]) -> dict[str, Any]:
    return {"value": payload["value"] * 2}


def task_state(resource: str, **fields: Any) -> dict[str, Any]:
    return machine(("T", {"Type": "Task", "Resource": resource, **fields}))


async def test_async_task_result_becomes_output() -> None:
    """An async task's return value is the state's result."""
    execution, history = await run(task_state(FN), {"value": 4}, tasks=[double])
    assert execution.output == {"value": 8}
    assert [e.type for e in history] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:lambda:eu-west-1:999999999999:function:double",
        "arn:aws:lambda:us-east-1:123456789012:function:double:live",
        "arn:aws:lambda:us-east-1:123456789012:function:double:$LATEST",
    ],
)
async def test_lambda_task_serves_any_region_account_or_qualifier(resource: str) -> None:
    """A task bound to a function ARN serves that function wherever the ARN points."""
    execution, _ = await run(task_state(resource), {"value": 1}, tasks=[double])
    assert execution.output == {"value": 2}


@pytest.mark.parametrize(
    "function_name",
    ["double", "double:1", "123456789012:function:double", FN, f"{FN}:prod"],
)
async def test_lambda_invoke_finds_the_task_by_function_name(function_name: str) -> None:
    """``lambda:invoke`` resolves FunctionName given as a name, partial or full ARN."""
    definition = task_state(
        "arn:aws:states:::lambda:invoke",
        Parameters={"FunctionName": function_name, "Payload.$": "$"},
    )
    execution, history = await run(definition, {"value": 3}, tasks=[double])
    assert execution.output["Payload"] == {"value": 6}
    assert execution.output["StatusCode"] == 200
    assert list(execution.output) == [
        "ExecutedVersion",
        "Payload",
        "SdkHttpMetadata",
        "SdkResponseMetadata",
        "StatusCode",
    ]
    scheduled = history[2]
    assert scheduled.type == "TaskScheduled"
    assert scheduled.details is not None
    assert scheduled.details["resourceType"] == "lambda"
    assert scheduled.details["resource"] == "invoke"


async def test_task_named_without_resource_serves_the_function_of_that_name() -> None:
    """``@task(name=...)`` binds the Lambda function with that name."""

    @task(name="greet")
    def greet(payload: Any) -> str:
        return f"hello {payload['who']}"

    resource = "arn:aws:lambda:us-east-1:123456789012:function:greet"
    execution, _ = await run(task_state(resource), {"who": "ada"}, tasks=[greet])
    assert execution.output == "hello ada"


async def test_exact_resource_binding_for_other_integrations() -> None:
    """Any Resource string can be served by a task bound to it exactly."""

    @task("arn:aws:states:::dynamodb:putItem")
    async def put_item(payload: Any) -> dict[str, Any]:
        return {"stored": payload["Item"]}

    definition = task_state(
        "arn:aws:states:::dynamodb:putItem", Parameters={"Item": {"id.$": "$.id"}}
    )
    execution, history = await run(definition, {"id": "x"}, tasks=[put_item])
    assert execution.output == {"stored": {"id": "x"}}
    assert history[2].details is not None
    assert history[2].details["resourceType"] == "dynamodb"
    assert history[2].details["resource"] == "putItem"


async def test_task_failed_keeps_its_error_and_cause() -> None:
    """``raise TaskFailed(error, cause)`` fails the state with exactly that."""

    @task(FN)
    async def fail(payload: Any) -> Any:
        raise TaskFailed("Payment.Declined", "insufficient funds")

    execution, history = await run(task_state(FN), {}, tasks=[fail])
    assert (execution.status, execution.error, execution.cause) == (
        "FAILED",
        "Payment.Declined",
        "insufficient funds",
    )
    assert history[-2].type == "LambdaFunctionFailed"


async def test_other_exceptions_fail_with_class_name_and_message() -> None:
    """Any other exception becomes its class name as error and message as cause."""

    @task(FN)
    def broken(payload: Any) -> Any:
        raise KeyError("missing")

    execution, _ = await run(task_state(FN), {}, tasks=[broken])
    assert (execution.error, execution.cause) == ("KeyError", "'missing'")


async def test_unbound_lambda_fails_like_aws() -> None:
    """A Lambda function with no task fails with Lambda.ResourceNotFoundException."""
    definition = task_state("arn:aws:states:::lambda:invoke", Parameters={"FunctionName": "nobody"})
    execution, _ = await run(definition, {})
    assert execution.error == "Lambda.ResourceNotFoundException"
    assert execution.cause is not None
    assert execution.cause.startswith(
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nobody:$LATEST"
    )


async def test_engine_warns_about_unbound_resources() -> None:
    """The first start of a machine logs a warning for each resource no task serves."""
    machine_ = StateMachine.from_definition(task_state("arn:aws:states:::sqs:sendMessage"))
    with structlog.testing.capture_logs() as logs:
        async with Engine(clock=VirtualClock()) as engine:
            await (await engine.start_execution(machine_, {})).wait()
    warnings = [entry for entry in logs if entry["log_level"] == "warning"]
    assert warnings[0]["resource"] == "arn:aws:states:::sqs:sendMessage"


async def test_context_tells_the_task_where_it_runs() -> None:
    """TaskContext carries the execution, root execution, state and retry count."""
    seen: list[tuple[str, str, str, int, str]] = []

    @task(FN)
    async def record(payload: Any, ctx: TaskContext) -> None:
        seen.append(
            (
                ctx.execution_name,
                ctx.root_execution_name,
                ctx.state_name,
                ctx.retry_count,
                ctx.execution_arn,
            )
        )

    await run(task_state(FN), {}, tasks=[record])
    assert seen == [
        ("run", "run", "T", 0, "arn:aws:states:us-east-1:123456789012:execution:test:run")
    ]


async def test_sync_tasks_run_in_worker_threads() -> None:
    """A sync task runs off the event loop thread."""
    threads: list[int] = []

    @task(FN)
    def where(payload: Any) -> None:
        threads.append(threading.get_ident())

    await run(task_state(FN), {}, tasks=[where])
    assert len(threads) == 1
    assert threads[0] != threading.get_ident()


async def test_timeout_cancels_an_async_task() -> None:
    """TimeoutSeconds fails the state with States.Timeout and cancels the task."""
    finished = []

    @task(FN)
    async def slow(payload: Any, ctx: TaskContext) -> None:
        await ctx.sleep(60)
        finished.append(True)

    execution, history = await run(task_state(FN, TimeoutSeconds=5), {}, tasks=[slow])
    assert (execution.error, execution.cause) == ("States.Timeout", None)
    assert history[-2].type == "LambdaFunctionTimedOut"
    assert finished == []


async def test_heartbeat_keeps_a_task_alive_and_missing_it_times_out() -> None:
    """Heartbeats within HeartbeatSeconds keep the task alive; silence fails it."""
    resource = "arn:aws:states:::ecs:runTask.sync"

    @task(resource)
    async def beating(payload: Any, ctx: TaskContext) -> str:
        for _ in range(5):
            await ctx.sleep(3)
            await ctx.heartbeat()
        if payload.get("go_silent"):
            await ctx.sleep(10)
        return "done"

    definition = task_state(resource, HeartbeatSeconds=5, TimeoutSeconds=100)
    alive, _ = await run(definition, {}, tasks=[beating])
    assert alive.output == "done"
    silent, history = await run(definition, {"go_silent": True}, tasks=[beating])
    assert silent.error == "States.HeartbeatTimeout"
    assert history[-2].type == "TaskTimedOut"


async def test_sync_task_sees_cancellation() -> None:
    """A cancelled sync task sees ``ctx.cancelled``; leaving the engine does not wait for it."""
    observed: list[bool] = []
    started = anyio.Event()
    release, finished = threading.Event(), threading.Event()

    @task(FN)
    def patient(payload: Any, ctx: TaskContext) -> None:
        anyio.from_thread.run_sync(started.set)
        release.wait(5)
        observed.append(ctx.cancelled)
        finished.set()

    machine_ = StateMachine.from_definition(task_state(FN))
    async with Engine(tasks=[patient]) as engine:
        execution = await engine.start_execution(machine_, {})
        await started.wait()
    # Leaving the engine cancelled the execution without waiting for the thread.
    assert (execution.status, observed) == ("ABORTED", [])
    release.set()
    assert await anyio.to_thread.run_sync(finished.wait, 2)
    assert observed == [True]


def test_registration_rejects_unmarked_functions() -> None:
    """Only ``@task`` functions can be bound."""

    def plain(payload: Any) -> None:
        return None

    with pytest.raises(RegistrationError, match="not marked with @task"):
        Engine(tasks=[plain])


def test_registration_rejects_two_tasks_for_one_resource() -> None:
    """Two tasks cannot serve the same resource."""

    @task(FN)
    def other(payload: Any) -> None:
        return None

    with pytest.raises(RegistrationError, match="two tasks serve"):
        Engine(tasks=[double, other])


def test_task_returns_the_function_unchanged() -> None:
    """``@task`` leaves the function callable as before."""
    assert anyio.run(double, {"value": 2}) == {"value": 4}


def test_task_rejects_wrong_signatures() -> None:
    """A task takes (payload) or (payload, ctx)."""
    with pytest.raises(RegistrationError, match="must take"):

        @task(FN)
        def too_many(a: Any, b: Any, c: Any) -> None:
            return None
