"""One execution's failure is its own: whatever a task or an input does, the others carry on."""

from __future__ import annotations

import asyncio
import math
import re
from datetime import datetime
from typing import Any

import anyio
import pytest
import sniffio

from orchestra import (
    DefinitionError,
    Engine,
    ExecutionLimitExceeded,
    InvalidArgument,
    InvalidExecutionInput,
    InvalidName,
    InvalidOutput,
    RegistrationError,
    StateMachine,
    TaskFailed,
    task,
)
from orchestra.testing import VirtualClock
from tests.helpers import machine, run

pytestmark = pytest.mark.anyio

FN = "arn:aws:lambda:us-east-1:123456789012:function:hostile"
BYSTANDER = StateMachine.from_definition(
    machine(
        ("Rest", {"Type": "Wait", "Seconds": 5}),
        ("Done", {"Type": "Pass", "Result": {"fine": True}}),
    ),
    name="bystander",
)


def deep(levels: int) -> Any:
    value: Any = 0
    for _ in range(levels):
        value = [value]
    return value


async def run_beside_bystander(fn: Any, input: Any = None) -> tuple[Any, Any, list[Any]]:
    """Run a Task state calling ``fn`` next to a bystander; return both and the history."""
    hostile = StateMachine.from_definition(
        machine(("Call", {"Type": "Task", "Resource": FN})), name="hostile"
    )
    async with Engine(tasks=[task(FN)(fn)], clock=VirtualClock()) as engine:
        other = await engine.start_execution(BYSTANDER, {})
        execution = await engine.start_execution(hostile, input or {})
        with anyio.fail_after(5):
            await execution.wait()
            await other.wait()
        history = list(await engine.get_execution_history(execution))
    assert (other.status, other.output) == ("SUCCEEDED", {"fine": True})
    return execution, other, history


class Unusual(BaseException):
    """An exception outside the Exception hierarchy, as some libraries define them."""


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no text for you")


async def test_a_base_exception_from_a_task_fails_only_its_execution() -> None:
    """A task raising a BaseException subclass fails its state with the class name."""

    async def raise_unusual(payload: Any) -> None:
        raise Unusual("odd")

    execution, _, history = await run_beside_bystander(raise_unusual)
    assert (execution.status, execution.error, execution.cause) == ("FAILED", "Unusual", "odd")
    assert history[-2].type == "LambdaFunctionFailed"


async def test_system_exit_from_a_task_is_a_task_failure() -> None:
    """``sys.exit()`` in a task fails the state; the process and the engine go on."""

    def leave(payload: Any) -> None:
        raise SystemExit(3)

    execution, _, _ = await run_beside_bystander(leave)
    assert (execution.status, execution.error, execution.cause) == ("FAILED", "SystemExit", "3")


async def test_a_cancelled_error_nobody_sent_is_a_task_failure() -> None:
    """A task that raises CancelledError without being cancelled fails like any other."""
    if sniffio.current_async_library() != "asyncio":
        pytest.skip("only asyncio lets code raise its cancellation exception by hand")

    async def raise_cancelled(payload: Any) -> None:
        raise asyncio.CancelledError

    execution, _, _ = await run_beside_bystander(raise_cancelled)
    assert (execution.status, execution.error) == ("FAILED", "CancelledError")


async def test_an_exception_without_text_still_fails_cleanly() -> None:
    """An exception whose ``__str__`` raises gives a placeholder cause."""

    async def raise_unprintable(payload: Any) -> None:
        raise Unprintable

    execution, _, _ = await run_beside_bystander(raise_unprintable)
    assert (execution.error, execution.cause) == ("Unprintable", "<unprintable Unprintable object>")


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (object(), "Object of type object is not JSON serializable"),
        (math.nan, "NaN and Infinity are not JSON values"),
        ({"when": datetime(2026, 1, 1)}, "Object of type datetime is not JSON serializable"),
        (deep(600), "it is nested more than 512 levels deep"),
        (deep(100_000), "it is nested more than 512 levels deep"),
        (10**400, "the number 1000000000000000000000000000000000000000... is out of range"),
    ],
    ids=["object", "nan", "datetime", "deep", "very-deep", "huge-number"],
)
async def test_a_result_that_is_not_json_fails_the_task(result: Any, reason: str) -> None:
    """A task result JSON cannot hold fails the state as Lambda fails to marshal it."""

    async def give(payload: Any) -> Any:
        return result

    execution, _, history = await run_beside_bystander(give)
    assert (execution.error, execution.cause) == (
        "Runtime.MarshalError",
        f"Unable to marshal response: {reason}",
    )
    assert history[-2].type == "LambdaFunctionFailed"


async def test_a_circular_result_fails_the_task() -> None:
    """A result that contains itself cannot be marshalled."""
    looped: dict[str, Any] = {}
    looped["self"] = looped

    async def give(payload: Any) -> Any:
        return looped

    execution, _, _ = await run_beside_bystander(give)
    assert (execution.error, execution.cause) == (
        "Runtime.MarshalError",
        "Unable to marshal response: Circular reference detected",
    )


async def test_task_failed_with_values_that_are_not_text() -> None:
    """TaskFailed with a non-string error or cause records them as JSON text."""

    async def fail(payload: Any) -> None:
        raise TaskFailed(["not", "a", "name"], {"why": 1})  # type: ignore[arg-type]

    execution, _, _ = await run_beside_bystander(fail)
    assert (execution.error, execution.cause) == ('["not","a","name"]', '{"why":1}')


async def test_error_and_cause_are_cut_to_aws_lengths() -> None:
    """An error name is cut to 256 characters and a cause to 32,768, as AWS bounds them."""

    async def fail(payload: Any) -> None:
        raise TaskFailed("E" * 1000, "c" * 100_000)

    execution, _, history = await run_beside_bystander(fail)
    assert (execution.error, execution.cause) == ("E" * 256, "c" * 32768)
    assert history[-1].details == {"error": "E" * 256, "cause": "c" * 32768}


async def test_a_fail_state_cause_is_cut_to_aws_length() -> None:
    """A Fail state's long cause (from a path) is cut to 32,768 characters."""
    definition = machine(("Stop", {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}))
    execution, _ = await run(definition, {"e": "x" * 300, "c": "y" * 40_000})
    assert (execution.error, execution.cause) == ("x" * 256, "y" * 32768)


async def test_an_unforeseen_error_fails_its_execution_with_states_runtime() -> None:
    """An error no state foresaw (here a broken clock) ends that execution as States.Runtime."""

    class BrokenClock(VirtualClock):
        async def sleep(self, seconds: float) -> None:
            if seconds == 7:
                raise ZeroDivisionError("the clock broke")
            await super().sleep(seconds)

    hostile = StateMachine.from_definition(
        machine(("Nap", {"Type": "Wait", "Seconds": 7})), name="hostile"
    )
    async with Engine(clock=BrokenClock()) as engine:
        other = await engine.start_execution(BYSTANDER, {})
        execution = await engine.start_execution(hostile, {})
        await execution.wait()
        await other.wait()
        history = await engine.get_execution_history(execution)
    assert (other.status, execution.status, execution.error) == (
        "SUCCEEDED",
        "FAILED",
        "States.Runtime",
    )
    assert execution.cause == (
        "An error occurred while executing the state 'Nap' (entered at the event id #2). "
        "Internal error (ZeroDivisionError: the clock broke)"
    )
    assert [event.type for event in history][-1] == "ExecutionFailed"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (math.inf, "NaN and Infinity are not JSON values"),
        ({"a": {1, 2}}, "Object of type set is not JSON serializable"),
        (deep(10_000), "it is nested more than 512 levels deep"),
    ],
    ids=["infinity", "set", "deep"],
)
async def test_start_execution_refuses_input_that_is_not_json(value: Any, reason: str) -> None:
    """The caller gets InvalidExecutionInput; the engine and the bystander carry on."""
    async with Engine(clock=VirtualClock()) as engine:
        other = await engine.start_execution(BYSTANDER, {})
        with pytest.raises(InvalidExecutionInput) as caught:
            await engine.start_execution(BYSTANDER, value)
        assert await other.result() == {"fine": True}
    assert str(caught.value) == f"Invalid State Machine Execution Input: '{reason}'"


async def test_start_execution_refuses_a_name_that_is_not_text() -> None:
    """A name must be a string: InvalidName, not a TypeError from deep inside."""
    async with Engine(clock=VirtualClock()) as engine:
        with pytest.raises(InvalidName, match="an execution name is a string, not int"):
            await engine.start_execution(BYSTANDER, {}, name=12)  # type: ignore[arg-type]


async def test_start_execution_refuses_a_machine_that_is_not_one() -> None:
    """Only a StateMachine, or a name or ARN, names a machine."""
    async with Engine(clock=VirtualClock()) as engine:
        with pytest.raises(InvalidArgument, match="got list"):
            await engine.start_execution(["m"], {})  # type: ignore[arg-type]


async def test_the_caller_can_change_its_input_after_starting() -> None:
    """The engine keeps its own copy of the input."""
    data = {"items": [1, 2]}
    echo = StateMachine.from_definition(machine(("Nap", {"Type": "Wait", "Seconds": 1})))
    async with Engine(clock=VirtualClock()) as engine:
        execution = await engine.start_execution(echo, data)
        data["items"].append(3)
        assert await execution.result() == {"items": [1, 2]}
        history = await engine.get_execution_history(execution)
    assert history[0].details is not None
    assert history[0].details["input"] == '{"items":[1,2]}'


async def test_results_handed_out_are_copies() -> None:
    """Changing an execution's output or input changes nothing the engine holds."""
    echo = StateMachine.from_definition(machine(("Same", {"Type": "Pass"})))
    async with Engine(clock=VirtualClock()) as engine:
        execution = await engine.start_execution(echo, {"n": [1]})
        output = await execution.result()
        output["n"].append(2)
        execution.output["n"].append(3)
        execution.input["n"].append(4)
        assert await execution.result() == {"n": [1]}
        assert execution.input == {"n": [1]}
        history = await engine.get_execution_history(execution)
    assert history[-1].details == {"output": '{"n":[1]}', "outputDetails": {"truncated": False}}


@pytest.mark.parametrize(
    "options",
    [
        {"payload_limit": 0},
        {"max_open_executions": -1},
        {"max_history_events": True},
        {"jsonata_timeout": math.nan},
        {"express_timeout": "5"},
        {"max_threads": 0},
    ],
    ids=lambda options: next(iter(options)),
)
def test_engine_options_are_checked(options: dict[str, Any]) -> None:
    """A limit or timeout that is not a positive number is refused at once."""
    name = next(iter(options))
    with pytest.raises(InvalidArgument, match=f"^{name} must be a positive"):
        Engine(**options)


async def test_stop_execution_checks_error_and_cause() -> None:
    """StopExecution's error and cause follow AWS's constraints."""
    async with Engine(clock=VirtualClock()) as engine:
        execution = await engine.start_execution(BYSTANDER, {})
        with pytest.raises(InvalidArgument, match="Value at 'error' failed to satisfy constraint"):
            await engine.stop_execution(execution, error="e" * 257)
        with pytest.raises(InvalidArgument, match="Value at 'cause' failed to satisfy"):
            await engine.stop_execution(execution, cause=["a"])  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument, match="an execution or its ARN is needed"):
            await engine.stop_execution(42)  # type: ignore[arg-type]
        assert await execution.result() == {"fine": True}


CALLBACK = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"


class TokenKeeper:
    """A task for the callback resource that keeps the token it is handed."""

    def __init__(self) -> None:
        self.token = ""
        self.handed_over = anyio.Event()

        async def hand_over(payload: Any, ctx: Any) -> None:
            self.token = ctx.task_token
            self.handed_over.set()

        self.task = task(CALLBACK)(hand_over)

    async def start(self, engine: Engine) -> Any:
        """Start a machine whose Task waits for its token; return it once the token is out."""
        definition = machine(("Wait", {"Type": "Task", "Resource": CALLBACK}))
        execution = await engine.start_execution(StateMachine.from_definition(definition), {})
        with anyio.fail_after(5):
            await self.handed_over.wait()
        return execution


async def test_send_task_failure_refuses_an_error_that_is_not_text() -> None:
    """The caller gets InvalidArgument; the task keeps waiting for a valid completion."""
    keeper = TokenKeeper()
    async with Engine(tasks=[keeper.task], clock=VirtualClock()) as engine:
        execution = await keeper.start(engine)
        token = keeper.token
        with pytest.raises(InvalidArgument, match="Value at 'error' failed to satisfy"):
            await engine.send_task_failure(token, error=["E"])  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument, match="less than or equal to 32768"):
            await engine.send_task_failure(token, cause="c" * 32769)
        await engine.send_task_failure(token, error="Fine", cause="ok")
        await execution.wait()
    assert (execution.error, execution.cause) == ("Fine", "ok")


async def test_send_task_success_refuses_output_it_cannot_hold() -> None:
    """Deep or oversized callback output is refused to the caller, not to the engine."""
    keeper = TokenKeeper()
    async with Engine(tasks=[keeper.task], clock=VirtualClock()) as engine:
        execution = await keeper.start(engine)
        token = keeper.token
        with pytest.raises(InvalidOutput, match="nested more than 512 levels deep"):
            await engine.send_task_success(token, deep(1000))
        with pytest.raises(InvalidArgument, match="less than or equal to 262144"):
            await engine.send_task_success(token, "x" * 262_144)
        payload = {"ok": [1]}
        await engine.send_task_success(token, payload)
        payload["ok"].append(2)
        assert await execution.result() == {"ok": [1]}


async def test_the_open_execution_limit_refuses_one_more() -> None:
    """Past ``max_open_executions`` running executions, starting one raises, as on AWS."""
    async with Engine(clock=VirtualClock(), max_open_executions=2) as engine:
        first = await engine.start_execution(BYSTANDER, {})
        await engine.start_execution(BYSTANDER, {})
        with pytest.raises(ExecutionLimitExceeded, match=r"running executions \(2\)"):
            await engine.start_execution(BYSTANDER, {})
        await first.wait()
        third = await engine.start_execution(BYSTANDER, {})
        assert await third.result() == {"fine": True}


PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"name": 123}, "Invalid state machine name 123: use 1-80 letters, digits, '-' or '_'"),
        ({"role_arn": 5}, "role_arn must be a string, not 5"),
        ({"substitutions": ["A"]}, "substitutions must map placeholder names (strings) to values"),
        (
            {"substitutions": {1: "a"}},
            "substitutions must map placeholder names (strings) to values",
        ),
    ],
    ids=["name", "role-arn", "substitutions-list", "substitutions-keys"],
)
def test_from_definition_checks_its_options(options: dict[str, Any], message: str) -> None:
    """Options of the wrong type give a DefinitionError naming them, not a TypeError."""
    with pytest.raises(DefinitionError) as caught:
        StateMachine.from_definition(PASS, **options)
    assert [problem.message for problem in caught.value.diagnostics] == [message]


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"tasks": 5}, RegistrationError, "tasks must be a list of @task functions, not 5"),
        ({"machines": [5]}, RegistrationError, "only a StateMachine can be registered, not 5"),
        ({"account": 5}, InvalidArgument, "account must be a non-empty string, not 5"),
        ({"region": ""}, InvalidArgument, "region must be a non-empty string, not ''"),
        (
            {"clock": object()},
            InvalidArgument,
            "lacks a clock's methods: now, sleep, timeout, busy, idle, run",
        ),
    ],
    ids=["tasks", "machines", "account", "region", "clock"],
)
def test_engine_checks_what_it_is_given(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    """A wrong argument to Engine() is a typed error at once, not a crash when it runs."""
    with pytest.raises(error, match=re.escape(message)):
        Engine(**options)


async def test_list_executions_checks_its_arguments() -> None:
    """An unknown status or a machine that is not one is an InvalidArgument."""
    async with Engine(clock=VirtualClock()) as engine:
        with pytest.raises(InvalidArgument, match="'DONE' is not an execution status"):
            engine.list_executions(status="DONE")
        with pytest.raises(InvalidArgument, match="a state machine, its name or ARN is needed"):
            engine.list_executions(machine=5)  # type: ignore[arg-type]
        with pytest.raises(RegistrationError, match="only a StateMachine can be registered"):
            engine.register("m")  # type: ignore[arg-type]
