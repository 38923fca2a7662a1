"""The Engine: binds tasks, starts executions in its own task group, keeps their history."""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

import anyio
import structlog
from anyio.abc import TaskGroup

from . import errors
from ._clock import Clock, SystemClock
from ._execution import Execution, ExecutionStatus
from ._history import HistoryEvent, iso_timestamp
from ._interpreter import run_program
from ._machine import StateMachine
from ._observability import ExecutionScope, Subscriber, Telemetry
from ._runtime import Run, StateFailed
from ._tasks import TaskRegistry
from .errors import EngineError, ExecutionAlreadyExists, InvalidName

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

DEFAULT_PAYLOAD_LIMIT: Final = 256 * 1024
_log = structlog.get_logger("orchestra")
# AWS rejects names with whitespace, brackets, wildcards, punctuation and control characters.
_FORBIDDEN_NAME: Final = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")


class Engine:
    """Runs state machines in-process.

    Use it as an async context manager; leaving the block cancels whatever still runs, so
    nothing an execution started outlives the engine.

    Args:
        tasks: ``@task`` functions to bind to Task state resources.
        account: the AWS account id used in ARNs and ``$$`` values.
        region: the AWS region used in ARNs and ``$$`` values.
        clock: the engine's clock (default: real time); ``orchestra.testing.VirtualClock``
            makes waits, backoffs and timeouts instant.
        payload_limit: the largest payload in bytes (AWS: 256 KiB).
        max_threads: how many sync tasks may run in worker threads at once.
        tracer_provider: where spans go (default: OpenTelemetry's global provider). With
            no SDK configured, no span work is done at all.
        meter_provider: where metrics go (default: OpenTelemetry's global provider).
        record_payloads: record inputs and outputs on spans (JSON text cut to 2 KiB); off
            by default, so payloads stay out of spans and logs.

    Raises:
        RegistrationError: a task is not marked with ``@task``, or two tasks serve one resource.

    Example:
        >>> async def main():  # doctest: +SKIP
        ...     async with Engine(tasks=[charge]) as engine:
        ...         execution = await engine.start_execution(machine, {"total": 12})
        ...         print(await execution.result())
    """

    def __init__(
        self,
        *,
        tasks: Iterable[Callable[..., Any]] = (),
        account: str = "123456789012",
        region: str = "us-east-1",
        clock: Clock | None = None,
        payload_limit: int = DEFAULT_PAYLOAD_LIMIT,
        max_threads: int = 40,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        record_payloads: bool = False,
    ) -> None:
        self.account = account
        self.region = region
        self.clock: Clock = clock or SystemClock()
        self.payload_limit = payload_limit
        self._tasks = TaskRegistry(tasks)
        self._max_threads = max_threads
        self._thread_limiter: anyio.CapacityLimiter | None = None
        self._group: TaskGroup | None = None
        self._executions: dict[str, Execution] = {}
        self._seen_machines: set[int] = set()
        self._seed = random.SystemRandom()
        self._telemetry = Telemetry(
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
            record_payloads=record_payloads,
        )

    async def __aenter__(self) -> Self:
        if self._group is not None:
            raise EngineError("the engine is already running")
        self._thread_limiter = anyio.CapacityLimiter(self._max_threads)
        self._telemetry.start()
        group = anyio.create_task_group()
        await group.__aenter__()
        self._group = group
        group.start_soon(self.clock.run)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        group = self._group
        assert group is not None
        self._group = None
        group.cancel_scope.cancel()
        # The body's own exception is not handed to the task group, which would wrap it in an
        # ExceptionGroup; it propagates unchanged once every execution has been cancelled.
        await group.__aexit__(None, None, None)
        return None

    async def start_execution(
        self, machine: StateMachine, input: Any = None, name: str | None = None
    ) -> Execution:
        """Start an execution; return at once.

        Args:
            machine: the state machine to run.
            input: the execution's input (any JSON value; None means ``{}`` as on AWS).
            name: the execution's name (default: a random UUID).

        Raises:
            EngineError: the engine is not running.
            InvalidName: the name breaks AWS's naming rules.
            ExecutionAlreadyExists: the name is taken by an execution that is closed, or
                running with a different input.
        """
        group = self._group
        if group is None:
            raise EngineError("the engine is not running: use 'async with Engine(...)'")
        if input is None:
            input = {}
        try:
            input_text = json.dumps(input, separators=(",", ":"), ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise EngineError(f"the execution input is not JSON: {exc}") from None
        if name is None:
            name = str(uuid.uuid4())
        _check_name(name)
        machine_arn = machine.arn(self.region, self.account)
        if machine.type == "EXPRESS":
            arn = (
                f"arn:aws:states:{self.region}:{self.account}:express:{machine.name}:{name}:"
                f"{uuid.uuid4()}"
            )
        else:
            arn = f"arn:aws:states:{self.region}:{self.account}:execution:{machine.name}:{name}"
        existing = self._executions.get(arn)
        if existing is not None:
            if existing.status is ExecutionStatus.RUNNING and json.dumps(
                existing.input
            ) == json.dumps(input):
                return existing
            raise ExecutionAlreadyExists(f"Execution Already Exists: '{arn}'")
        self._warn_unbound(machine)
        execution = Execution(
            name=name,
            arn=arn,
            machine=machine,
            input=json.loads(input_text),
            start_date=self.clock.now(),
        )
        self._executions[arn] = execution
        role_arn = machine.role_arn or (
            f"arn:aws:iam::{self.account}:role/service-role/StepFunctions-{machine.name}-role"
        )
        run = Run(
            history=execution.history,
            clock=self.clock,
            rng=random.Random(self._seed.getrandbits(64)),
            tasks=self._tasks,
            settings=self,
            execution_context=_execution_context(execution, role_arn),
            state_machine_context={"Id": machine_arn, "Name": machine.name},
            execution_name=name,
            execution_arn=arn,
            root_execution_name=execution.root.name,
            thread_limiter=self._thread_limiter,
        )
        # Taken in the caller's context: its active span, if any, is the run's parent.
        scope = self._telemetry.execution(execution, group)
        run.telemetry = self._telemetry
        run.tracing = scope.tracing
        busy = self.clock.busy()
        busy.__enter__()  # taken now, so a virtual clock cannot jump before the run starts
        group.start_soon(self._run, execution, run, input_text, role_arn, busy, scope)
        return execution

    async def _run(
        self,
        execution: Execution,
        run: Run,
        input_text: str,
        role_arn: str,
        busy: Any,
        scope: ExecutionScope,
    ) -> None:
        history = execution.history
        clock = self.clock
        scope.started()
        try:
            history.add(
                "ExecutionStarted",
                execution.start_date,
                {"input": execution.input, "roleArn": role_arn},
            )
            if len(input_text.encode()) > self.payload_limit:
                raise StateFailed(
                    errors.DATA_LIMIT_EXCEEDED,
                    "The state/task 'ExecutionInput' returned a result with a size exceeding "
                    "the maximum number of bytes service limit.",
                )
            output: Any = None
            with clock.timeout(execution.machine.timeout_seconds) as deadline:
                output = await run_program(execution.machine.program, execution.input, run)
            if deadline.cancelled_caught:
                history.add(
                    "ExecutionTimedOut", clock.now(), {"error": errors.TIMEOUT, "cause": None}
                )
                execution._close(
                    ExecutionStatus.TIMED_OUT, clock.now(), error=errors.TIMEOUT, cause=None
                )
                return
            history.add("ExecutionSucceeded", clock.now(), {"output": output})
            execution._close(ExecutionStatus.SUCCEEDED, clock.now(), output=output)
        except StateFailed as failure:
            history.add(
                "ExecutionFailed", clock.now(), {"error": failure.error, "cause": failure.cause}
            )
            execution._close(
                ExecutionStatus.FAILED, clock.now(), error=failure.error, cause=failure.cause
            )
        except anyio.get_cancelled_exc_class():
            history.add("ExecutionAborted", clock.now(), {})
            execution._close(ExecutionStatus.ABORTED, clock.now())
            raise
        finally:
            scope.ended()
            busy.__exit__(None, None, None)

    def subscribe(
        self, callback: Subscriber, *, statuses: Collection[str] | None = None
    ) -> Callable[[], None]:
        """Call ``callback(execution)`` whenever an execution closes.

        A sync callback runs as the execution closes; an async one runs in the engine's task
        group (so it is cancelled when the engine exits). A callback's exception is logged
        and never reaches the engine.

        Args:
            callback: a sync or async function taking the closed :class:`Execution`.
            statuses: only these statuses (e.g. ``{"FAILED", "TIMED_OUT"}``); None: all.

        Returns:
            A function that ends the subscription.

        Raises:
            TypeError: the callback is not callable.
            ValueError: a status is not one an execution closes with.
        """
        if not callable(callback):
            raise TypeError(f"subscribe needs a callable, not {callback!r}")
        return self._telemetry.subscribe(callback, statuses)

    async def get_execution_history(self, execution: Execution | str) -> Sequence[HistoryEvent]:
        """The execution's history events, oldest first, in AWS's shapes.

        Raises:
            ExecutionDoesNotExist: the execution is unknown to this engine.
        """
        return list(self._lookup(execution).history.events)

    def describe_execution(self, execution: Execution | str) -> Execution:
        """The execution with this ARN (or the execution itself).

        Raises:
            ExecutionDoesNotExist: the execution is unknown to this engine.
        """
        return self._lookup(execution)

    def _lookup(self, execution: Execution | str) -> Execution:
        arn = execution.arn if isinstance(execution, Execution) else execution
        found = self._executions.get(arn)
        if found is None:
            raise errors.ExecutionDoesNotExist(f"Execution Does Not Exist: '{arn}'")
        return found

    def _warn_unbound(self, machine: StateMachine) -> None:
        if id(machine) in self._seen_machines:
            return
        self._seen_machines.add(id(machine))
        for resource in machine.resources():
            if resource.startswith("arn:") and ":states:::lambda:invoke" in resource:
                continue
            if self._tasks.for_resource(resource) is None:
                _log.warning(
                    "no task is bound to a Task resource",
                    state_machine=machine.name,
                    resource=resource,
                )

    def __repr__(self) -> str:
        return f"Engine(account={self.account!r}, region={self.region!r}, clock={self.clock!r})"


def _execution_context(execution: Execution, role_arn: str) -> dict[str, Any]:
    """``$$.Execution``: Express executions cannot be redriven, so they have no RedriveCount."""
    context: dict[str, Any] = {
        "Id": execution.arn,
        "Input": execution.input,
        "StartTime": iso_timestamp(execution.start_date),
        "Name": execution.name,
        "RoleArn": role_arn,
    }
    if execution.machine.type == "STANDARD":
        context["RedriveCount"] = 0
    return context


def _check_name(name: str) -> None:
    if not 1 <= len(name) <= 80:
        raise InvalidName(f"Invalid Name: '{name}' (an execution name has 1 to 80 characters)")
    if _FORBIDDEN_NAME.search(name):
        raise InvalidName(f"Invalid Name: '{name}' (it contains a character AWS does not allow)")
