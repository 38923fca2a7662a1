"""Callback tasks (``.waitForTaskToken``): tokens, completion from anywhere, heartbeats."""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from orchestra import (
    Engine,
    Execution,
    InvalidOutput,
    InvalidToken,
    StateMachine,
    TaskContext,
    TaskDoesNotExist,
    TaskTimedOut,
    task,
)
from orchestra.testing import VirtualClock
from tests.helpers import machine

pytestmark = pytest.mark.anyio

QUEUE = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
NOTIFY = "arn:aws:lambda:us-east-1:123456789012:function:notify"


def ask(**fields: Any) -> dict[str, Any]:
    """A callback state that sends its token in the message body."""
    return {
        "Type": "Task",
        "Resource": QUEUE,
        "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
        **fields,
    }


class Outbox:
    """A bound callback task that keeps every message (and token) it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[Any, str | None]] = []
        self.sent = anyio.Event()

    def task(self, hold: anyio.Event | None = None) -> Callable[..., Any]:
        @task(QUEUE)
        async def send_message(payload: Any, ctx: TaskContext) -> dict[str, Any]:
            self.messages.append((payload, ctx.task_token))
            self.sent.set()
            if hold is not None:
                await hold.wait()
            return {"MessageId": f"m-{len(self.messages)}"}

        return send_message

    @property
    def token(self) -> str:
        token = self.messages[-1][1]
        assert token is not None
        return token


async def until(condition: Callable[[], Awaitable[bool]]) -> None:
    """Let the engine run until ``await condition()`` holds."""
    with anyio.fail_after(2):
        while not await condition():
            await anyio.lowlevel.checkpoint()


async def types(engine: Engine, execution: Execution) -> list[str]:
    return [event.type for event in await engine.get_execution_history(execution)]


def submitted(engine: Engine, execution: Execution) -> Callable[[], Awaitable[bool]]:
    """Whether the execution's last event is TaskSubmitted: its callback state waits."""

    async def check() -> bool:
        return (await types(engine, execution))[-1:] == ["TaskSubmitted"]

    return check


async def test_a_callback_completed_from_outside_once_the_state_waits() -> None:
    """The state waits after handing its token over; ``send_task_success`` is its result."""
    outbox = Outbox()
    definition = machine(("Ask", ask(ResultPath="$.reply")))
    async with Engine(tasks=[outbox.task()], clock=VirtualClock()) as engine:
        execution = await engine.start_execution(StateMachine.from_definition(definition), {})
        await until(submitted(engine, execution))
        assert execution.status == "RUNNING"
        await engine.send_task_success(outbox.token, {"approved": True})
        assert await execution.result() == {"reply": {"approved": True}}
        events = await engine.get_execution_history(execution)
    assert [e.type for e in events][2:7] == [
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskSucceeded",
        "TaskStateExited",
    ]
    assert events[4].details == {
        "resourceType": "sqs",
        "resource": "sendMessage.waitForTaskToken",
        "output": '{"MessageId":"m-1"}',
        "outputDetails": {"truncated": False},
    }
    payload, token = outbox.messages[0]
    assert payload == {"QueueUrl": "q", "MessageBody": {"token": token}}


async def test_a_callback_completed_before_the_task_returns() -> None:
    """A token completed while its task still runs ends the wait as soon as the task returns."""
    outbox = Outbox()
    release = anyio.Event()
    definition = machine(("Ask", ask()))
    async with Engine(tasks=[outbox.task(hold=release)], clock=VirtualClock()) as engine:
        execution = await engine.start_execution(StateMachine.from_definition(definition), {})
        await outbox.sent.wait()
        await engine.send_task_success(outbox.token, "early")
        assert execution.status == "RUNNING"
        release.set()
        assert await execution.result() == "early"
        assert (await types(engine, execution))[4:6] == ["TaskSubmitted", "TaskSucceeded"]


async def test_a_callback_completed_by_another_task() -> None:
    """A task in a sibling branch completes the token; the Parallel gets both results."""
    outbox = Outbox()
    engines: list[Engine] = []

    @task(NOTIFY)
    async def approve(payload: Any) -> str:
        await outbox.sent.wait()
        await engines[0].send_task_success(outbox.token, {"by": "approver"})
        return "approved"

    definition = machine(
        (
            "Both",
            {
                "Type": "Parallel",
                "Branches": [
                    machine(("Ask", ask())),
                    machine(("Approve", {"Type": "Task", "Resource": NOTIFY})),
                ],
            },
        )
    )
    async with Engine(tasks=[outbox.task(), approve], clock=VirtualClock()) as engine:
        engines.append(engine)
        execution = await engine.start_execution(StateMachine.from_definition(definition), {})
        assert await execution.result() == [{"by": "approver"}, "approved"]


async def test_a_callback_completed_by_another_execution() -> None:
    """A task of a second execution completes the first execution's token."""
    outbox = Outbox()
    engines: list[Engine] = []

    @task(NOTIFY)
    async def approve(payload: Any) -> None:
        await engines[0].send_task_success(payload["token"], payload["answer"])

    asker = StateMachine.from_definition(machine(("Ask", ask())), name="asker")
    approver = StateMachine.from_definition(
        machine(("Approve", {"Type": "Task", "Resource": NOTIFY})), name="approver"
    )
    async with Engine(tasks=[outbox.task(), approve], clock=VirtualClock()) as engine:
        engines.append(engine)
        first = await engine.start_execution(asker, {})
        await outbox.sent.wait()
        second = await engine.start_execution(approver, {"token": outbox.token, "answer": 42})
        assert await first.result() == 42
        await second.wait()
    assert second.status == "SUCCEEDED"


async def test_the_token_is_in_the_context_object_and_the_task_context() -> None:
    """``$$.Task.Token`` and ``ctx.task_token`` are the same unguessable token."""
    outbox = Outbox()
    definition = machine(("Ask", ask()))
    async with Engine(tasks=[outbox.task()], clock=VirtualClock()) as engine:
        execution = await engine.start_execution(StateMachine.from_definition(definition), {})
        await outbox.sent.wait()
        await engine.send_task_success(outbox.token, {})
        await execution.wait()
    payload, token = outbox.messages[0]
    assert payload["MessageBody"]["token"] == token
    assert token is not None
    assert len(token) == 64


async def test_send_task_failure_fails_the_state_for_catch_to_see() -> None:
    """``send_task_failure`` fails the state with that error and cause; Catch handles it."""
    outbox = Outbox()
    definition = machine(
        ("Ask", ask(Catch=[{"ErrorEquals": ["Review.Rejected"], "Next": "Rejected"}])),
        ("Done", {"Type": "Succeed"}),
        ("Rejected", {"Type": "Pass"}),
    )
    async with Engine(tasks=[outbox.task()], clock=VirtualClock()) as engine:
        execution = await engine.start_execution(StateMachine.from_definition(definition), {})
        await outbox.sent.wait()
        await engine.send_task_failure(outbox.token, "Review.Rejected", "too expensive")
        assert await execution.result() == {"Error": "Review.Rejected", "Cause": "too expensive"}
        failed = list(await engine.get_execution_history(execution))[5]
    assert failed.type == "TaskFailed"
    assert failed.details == {
        "resourceType": "sqs",
        "resource": "sendMessage.waitForTaskToken",
        "error": "Review.Rejected",
        "cause": "too expensive",
    }


async def test_each_retry_gets_a_new_token() -> None:
    """A retried callback state issues a fresh token; the old one is closed."""
    outbox = Outbox()
    definition = machine(
        ("Ask", ask(Retry=[{"ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 1}]))
    )
    async with Engine(tasks=[outbox.task()], clock=VirtualClock()) as engine:
        execution = await engine.start_execution(StateMachine.from_definition(definition), {})
        await outbox.sent.wait()
        first = outbox.token
        await engine.send_task_failure(first, "Busy")

        async def retried() -> bool:
            return len(outbox.messages) == 2

        await until(retried)
        second = outbox.token
        assert second != first
        with pytest.raises(TaskTimedOut):
            await engine.send_task_success(first, "late")
        await engine.send_task_success(second, "ok")
        assert await execution.result() == "ok"


async def test_a_missed_heartbeat_times_the_callback_out() -> None:
    """With no heartbeat for HeartbeatSeconds, the state fails with States.HeartbeatTimeout."""
    outbox = Outbox()
    clock = VirtualClock()
    definition = machine(("Ask", ask(HeartbeatSeconds=10, TimeoutSeconds=100)))
    async with Engine(tasks=[outbox.task()], clock=clock) as engine:
        execution = await engine.start_execution(StateMachine.from_definition(definition), {})
        await execution.wait()
        events = await engine.get_execution_history(execution)
        with pytest.raises(TaskTimedOut, match="does not exist anymore"):
            await engine.send_task_success(outbox.token, {})
    assert (execution.status, execution.error) == ("FAILED", "States.HeartbeatTimeout")
    assert [e.type for e in events][4:6] == ["TaskSubmitted", "TaskTimedOut"]
    assert clock.elapsed == 10


async def test_heartbeats_keep_a_callback_alive() -> None:
    """``send_task_heartbeat`` restarts HeartbeatSeconds, so a slow reply still arrives."""
    outbox = Outbox()
    clock = VirtualClock()
    engines: list[Engine] = []

    @task(NOTIFY)
    async def worker(payload: Any, ctx: TaskContext) -> str:
        await outbox.sent.wait()
        for _ in range(3):
            await ctx.sleep(6)
            await engines[0].send_task_heartbeat(outbox.token)
        await ctx.sleep(6)
        await engines[0].send_task_success(outbox.token, "done")
        return "worked"

    definition = machine(
        (
            "Both",
            {
                "Type": "Parallel",
                "Branches": [
                    machine(("Ask", ask(HeartbeatSeconds=10))),
                    machine(("Work", {"Type": "Task", "Resource": NOTIFY})),
                ],
            },
        )
    )
    async with Engine(tasks=[outbox.task(), worker], clock=clock) as engine:
        engines.append(engine)
        execution = await engine.start_execution(StateMachine.from_definition(definition), {})
        assert await execution.result() == ["done", "worked"]
    assert clock.elapsed == 24


async def test_timeout_seconds_applies_to_the_wait() -> None:
    """TimeoutSeconds covers the wait for the token: States.Timeout on the virtual clock."""
    outbox = Outbox()
    clock = VirtualClock()
    definition = machine(("Ask", ask(TimeoutSeconds=30)))
    async with Engine(tasks=[outbox.task()], clock=clock) as engine:
        execution = await engine.start_execution(StateMachine.from_definition(definition), {})
        await execution.wait()
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")
    assert clock.elapsed == 30


async def test_an_unbound_callback_resource_only_waits() -> None:
    """With no task bound, the state waits for a token found elsewhere (here, its history)."""
    definition = machine(("Ask", ask()))
    async with Engine(clock=VirtualClock()) as engine:
        execution = await engine.start_execution(StateMachine.from_definition(definition), {})
        await until(submitted(engine, execution))
        scheduled = (await engine.get_execution_history(execution))[2]
        assert scheduled.type == "TaskScheduled"
        assert scheduled.details is not None
        token = json.loads(scheduled.details["parameters"])["MessageBody"]["token"]
        await engine.send_task_success(token, {"answer": "yes"})
        assert await execution.result() == {"answer": "yes"}


async def test_lambda_invoke_wait_for_task_token_returns_the_callback_output() -> None:
    """``lambda:invoke.waitForTaskToken`` calls the function; the token's output is the result."""
    engines: list[Engine] = []

    @task(NOTIFY)
    async def notify(event: Any) -> str:
        await engines[0].send_task_success(event["token"], {"seen": event["order"]})
        return "ignored"

    definition = machine(
        (
            "Notify",
            {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {
                    "FunctionName": "notify",
                    "Payload": {"order.$": "$.order", "token.$": "$$.Task.Token"},
                },
            },
        )
    )
    async with Engine(tasks=[notify], clock=VirtualClock()) as engine:
        engines.append(engine)
        execution = await engine.start_execution(
            StateMachine.from_definition(definition), {"order": 7}
        )
        assert await execution.result() == {"seen": 7}


async def test_malformed_and_unknown_tokens_are_refused() -> None:
    """A malformed token raises InvalidToken; one the engine never issued, TaskDoesNotExist."""
    async with Engine(clock=VirtualClock()) as engine:
        for bad in ("nope", "", 42, "x" * 64 + "!"):
            with pytest.raises(InvalidToken, match="malformed"):
                await engine.send_task_success(bad, {})  # type: ignore[arg-type]
        unknown = secrets.token_urlsafe(48)
        with pytest.raises(TaskDoesNotExist, match="Task Does Not Exist"):
            await engine.send_task_success(unknown, {})
        with pytest.raises(TaskDoesNotExist):
            await engine.send_task_failure(unknown, "E")
        with pytest.raises(TaskDoesNotExist):
            await engine.send_task_heartbeat(unknown)


async def test_a_completed_token_is_closed() -> None:
    """Completing a token twice, or beating it after, raises TaskTimedOut as on AWS."""
    outbox = Outbox()
    definition = machine(("Ask", ask()))
    async with Engine(tasks=[outbox.task()], clock=VirtualClock()) as engine:
        execution = await engine.start_execution(StateMachine.from_definition(definition), {})
        await outbox.sent.wait()
        await engine.send_task_success(outbox.token, 1)
        with pytest.raises(TaskTimedOut, match="Provided task does not exist anymore"):
            await engine.send_task_success(outbox.token, 2)
        with pytest.raises(TaskTimedOut):
            await engine.send_task_heartbeat(outbox.token)
        assert await execution.result() == 1


async def test_a_non_json_output_is_refused() -> None:
    """``send_task_success`` needs a JSON value; the token stays open."""
    outbox = Outbox()
    definition = machine(("Ask", ask()))
    async with Engine(tasks=[outbox.task()], clock=VirtualClock()) as engine:
        execution = await engine.start_execution(StateMachine.from_definition(definition), {})
        await outbox.sent.wait()
        with pytest.raises(InvalidOutput, match="not JSON"):
            await engine.send_task_success(outbox.token, {1, 2})
        await engine.send_task_success(outbox.token, [1, 2])
        assert await execution.result() == [1, 2]


async def test_a_task_that_fails_to_hand_over_fails_the_state() -> None:
    """If the bound task raises, the state fails at once and its token is closed."""
    tokens: list[str] = []

    @task(QUEUE)
    async def broken(payload: Any, ctx: TaskContext) -> None:
        assert ctx.task_token is not None
        tokens.append(ctx.task_token)
        raise ConnectionError("queue unreachable")

    definition = machine(("Ask", ask()))
    async with Engine(tasks=[broken], clock=VirtualClock()) as engine:
        execution = await engine.start_execution(StateMachine.from_definition(definition), {})
        await execution.wait()
        with pytest.raises(TaskTimedOut):
            await engine.send_task_success(tokens[0], {})
    assert (execution.error, execution.cause) == ("ConnectionError", "queue unreachable")


async def test_stopping_the_execution_closes_its_token() -> None:
    """A callback state that is stopped cancels the wait; its token then raises TaskTimedOut."""
    outbox = Outbox()
    definition = machine(("Ask", ask()))
    async with Engine(tasks=[outbox.task()], clock=VirtualClock()) as engine:
        execution = await engine.start_execution(StateMachine.from_definition(definition), {})
        await until(submitted(engine, execution))
        await engine.stop_execution(execution)
        with pytest.raises(TaskTimedOut):
            await engine.send_task_success(outbox.token, {})
    assert execution.status == "ABORTED"


async def test_a_token_issued_before_a_failure_is_closed_with_its_execution() -> None:
    """A token whose state failed before the hand-over is closed when the execution ends."""
    definition = machine(
        (
            "Notify",
            {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "nobody", "Payload": {"token.$": "$$.Task.Token"}},
            },
        )
    )
    async with Engine(clock=VirtualClock()) as engine:
        execution = await engine.start_execution(StateMachine.from_definition(definition), {})
        await execution.wait()
        scheduled = (await engine.get_execution_history(execution))[2]
        assert scheduled.details is not None
        token = json.loads(scheduled.details["parameters"])["Payload"]["token"]
        with pytest.raises(TaskTimedOut):
            await engine.send_task_success(token, {})
    assert execution.error == "Lambda.ResourceNotFoundException"


async def test_a_hand_over_result_that_is_not_json_is_recorded_as_null() -> None:
    """The bound task's return value only reaches the history; one that is not JSON is null."""
    tokens: list[str] = []

    @task(QUEUE)
    async def send(payload: Any, ctx: TaskContext) -> object:
        assert ctx.task_token is not None
        tokens.append(ctx.task_token)
        return object()

    async with Engine(tasks=[send], clock=VirtualClock()) as engine:
        execution = await engine.start_execution(
            StateMachine.from_definition(machine(("Ask", ask()))), {}
        )
        await until(submitted(engine, execution))
        await engine.send_task_heartbeat(tokens[0])
        await engine.send_task_success(tokens[0], "ok")
        assert await execution.result() == "ok"
        events = await engine.get_execution_history(execution)
    assert events[4].details is not None
    assert events[4].details["output"] == "null"


async def test_jsonata_states_read_the_token_from_states_context() -> None:
    """A JSONata callback state passes ``$states.context.Task.Token`` in its Arguments."""
    outbox = Outbox()
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": QUEUE,
                "Arguments": {"MessageBody": {"token": "{% $states.context.Task.Token %}"}},
                "End": True,
            }
        },
    }
    async with Engine(tasks=[outbox.task()], clock=VirtualClock()) as engine:
        execution = await engine.start_execution(StateMachine.from_definition(definition), {})
        await outbox.sent.wait()
        await engine.send_task_success(outbox.token, "yes")
        assert await execution.result() == "yes"
    payload, token = outbox.messages[0]
    assert payload == {"MessageBody": {"token": token}}
