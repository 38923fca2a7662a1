"""The Engine: binds tasks, starts, stops and completes executions, keeps their history.

Every execution runs in its own cancel scope inside the engine's one task group: stopping one
cancels only its work, and leaving the engine cancels them all.
"""

from __future__ import annotations

import math
import random
import re
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

import anyio
import anyio.lowlevel
import structlog
from anyio.abc import TaskGroup

from . import errors
from ._observability.telemetry import ExecutionScope, Subscriber, Telemetry
from ._query import jsondata
from ._query.jsonata import DEFAULT_TIMEOUT as DEFAULT_JSONATA_TIMEOUT
from ._runtime.callbacks import CallbackRegistry, unbound_callback
from ._runtime.children import STARTED_BY, child_tasks
from ._runtime.clock import Clock, SystemClock
from ._runtime.execution import Execution, ExecutionStatus, SyncExecutionResult
from ._runtime.tasks import TaskRegistry, target_of
from ._states.machine import StateMachine
from ._states.program import internal_cause, run_program
from ._states.run import MAX_CAUSE_LENGTH, MAX_ERROR_LENGTH, Run, StateFailed, traceback_text
from ._store.history import DEFAULT_EVENT_LIMIT, History, HistoryEvent, iso_timestamp
from .errors import (
    EngineError,
    ExecutionAlreadyExists,
    ExecutionLimitExceeded,
    InvalidArgument,
    InvalidExecutionInput,
    InvalidName,
    RegistrationError,
    StateMachineDoesNotExist,
    StateMachineTypeNotSupported,
)

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

DEFAULT_PAYLOAD_LIMIT: Final = 256 * 1024
# One process holds far fewer executions than AWS's million per account; a machine that
# starts itself as a child stops at this many with ExecutionLimitExceeded.
DEFAULT_OPEN_EXECUTIONS: Final = 10_000
# AWS ends an Express execution after five minutes.
DEFAULT_EXPRESS_TIMEOUT: Final = 300.0
_log = structlog.get_logger("orchestra")
# AWS rejects names with whitespace, brackets, wildcards, punctuation and control characters.
_FORBIDDEN_NAME: Final = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")


class Engine:
    """Runs state machines in-process.

    Use it as an async context manager; leaving the block cancels whatever still runs, so
    nothing an execution started outlives the engine.

    Args:
        tasks: ``@task`` functions to bind to Task state resources.
        machines: state machines to register (see :meth:`register`).
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
        express_timeout: how long an Express execution may run, in seconds (AWS: 5 minutes).
        express_history: keep the history of Express executions (AWS keeps none).
        max_open_executions: how many executions may run at once; starting one more raises
            ``ExecutionLimitExceeded`` (AWS: 1,000,000 per account; one process holds fewer).
        max_history_events: the most events an execution's history may hold; the execution
            fails with ``States.Runtime`` when it would exceed them (AWS: 25,000).
        jsonata_timeout: seconds one JSONata evaluation may take before its state fails with
            ``States.QueryEvaluationError`` (evaluations run on the event loop).

    Raises:
        RegistrationError: a task is not marked with ``@task``, two tasks serve one resource,
            or two machines share a name.
        InvalidArgument: a limit or timeout is not a positive number.

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
        machines: Iterable[StateMachine] = (),
        account: str = "123456789012",
        region: str = "us-east-1",
        clock: Clock | None = None,
        payload_limit: int = DEFAULT_PAYLOAD_LIMIT,
        max_threads: int = 40,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        record_payloads: bool = False,
        express_timeout: float = DEFAULT_EXPRESS_TIMEOUT,
        express_history: bool = False,
        max_open_executions: int = DEFAULT_OPEN_EXECUTIONS,
        max_history_events: int = DEFAULT_EVENT_LIMIT,
        jsonata_timeout: float = DEFAULT_JSONATA_TIMEOUT,
    ) -> None:
        self.account = _text(account, "account")
        self.region = _text(region, "region")
        self.clock: Clock = _clock(clock)
        self.payload_limit = _positive_int(payload_limit, "payload_limit")
        self.express_timeout = _positive_number(express_timeout, "express_timeout")
        self.express_history = express_history
        self.max_open_executions = _positive_int(max_open_executions, "max_open_executions")
        # Two events at least: the execution's start and its end.
        self.max_history_events = max(_positive_int(max_history_events, "max_history_events"), 2)
        self.jsonata_timeout = _positive_number(jsonata_timeout, "jsonata_timeout")
        max_threads = _positive_int(max_threads, "max_threads")
        self._open = 0
        self.callbacks = CallbackRegistry()
        if isinstance(tasks, str | bytes) or not isinstance(tasks, Iterable):
            raise RegistrationError(f"tasks must be a list of @task functions, not {tasks!r}")
        self._tasks = self._bind_tasks(list(tasks))
        self._machines: dict[str, StateMachine] = {}
        for machine in machines:
            self.register(machine)
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

    def _bind_tasks(self, tasks: list[Callable[..., Any]]) -> TaskRegistry:
        registry = TaskRegistry(tasks)
        # The engine serves child executions itself, unless a task of the user's does.
        own = [
            fn
            for resource, fn in child_tasks(self).items()
            if registry.for_resource(resource) is None
        ]
        return TaskRegistry([*tasks, *own]) if own else registry

    def register(self, machine: StateMachine) -> StateMachine:
        """Make a state machine addressable by its name or ARN; return it.

        Child executions (``states:startExecution``) and ``start_execution`` with a name or
        ARN find their machine here. Registering the same machine again does nothing.

        Raises:
            RegistrationError: another machine is registered under the same name, or
                ``machine`` is not a StateMachine.
        """
        if not isinstance(machine, StateMachine):
            raise RegistrationError(f"only a StateMachine can be registered, not {machine!r}")
        existing = self._machines.get(machine.name)
        if existing is not None and existing is not machine:
            raise RegistrationError(
                f"a different state machine is already registered as {machine.name!r}"
            )
        self._machines[machine.name] = machine
        return machine

    @property
    def state_machines(self) -> tuple[StateMachine, ...]:
        """The registered state machines, in the order they were registered."""
        return tuple(self._machines.values())

    def _machine(self, machine: StateMachine | str) -> StateMachine:
        if isinstance(machine, StateMachine):
            return machine
        if not isinstance(machine, str):
            raise InvalidArgument(
                f"a state machine, or the name or ARN of a registered one, is needed; got "
                f"{type(machine).__name__}"
            )
        found = self._machines.get(machine)
        if found is None:
            found = self._machines.get(_machine_name(machine))
            if found is not None and found.arn(self.region, self.account) != machine:
                found = None
        if found is None:
            raise StateMachineDoesNotExist(f"State Machine Does Not Exist: '{machine}'")
        return found

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
        self, machine: StateMachine | str, input: Any = None, name: str | None = None
    ) -> Execution:
        """Start an execution; return at once.

        An input that holds ``AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID`` with the ARN of
        one of the engine's executions makes the new one its child, as on AWS: it shares its
        parent's root (``ctx.root_execution_name``) and trace.

        Args:
            machine: the state machine to run, or the name or ARN of a registered one.
            input: the execution's input (any JSON value; None means ``{}`` as on AWS). The
                engine keeps its own copy.
            name: the execution's name (default: a random UUID).

        Raises:
            EngineError: the engine is not running.
            StateMachineDoesNotExist: no machine is registered under that name or ARN.
            InvalidName: the name breaks AWS's naming rules.
            InvalidExecutionInput: the input is not JSON data: a value JSON cannot hold
                (NaN, an object, a number beyond a double), circular, or nested more than
                512 levels deep.
            ExecutionLimitExceeded: ``max_open_executions`` executions are running.
            ExecutionAlreadyExists: a Standard execution of that name is closed, or running
                with a different input.
        """
        group = self._group
        if group is None:
            raise EngineError("the engine is not running: use 'async with Engine(...)'")
        machine = self._machine(machine)
        if input is None:
            input = {}
        try:
            execution_input, input_size = jsondata.load(input)
        except jsondata.JsonDataError as exc:
            raise InvalidExecutionInput(
                f"Invalid State Machine Execution Input: '{exc.reason}'"
            ) from None
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
            if existing.status is ExecutionStatus.RUNNING and jsondata.encode(
                existing._input
            ) == jsondata.encode(execution_input):
                return existing
            raise ExecutionAlreadyExists(f"Execution Already Exists: '{arn}'")
        if self._open >= self.max_open_executions:
            raise ExecutionLimitExceeded(
                "Execution Limit Exceeded: the maximum number of running executions "
                f"({self.max_open_executions}) has been reached. Running executions must end "
                "or be stopped before a new execution can be started."
            )
        self._warn_unbound(machine)
        parent = None
        if isinstance(execution_input, dict) and isinstance(execution_input.get(STARTED_BY), str):
            parent = self._executions.get(execution_input[STARTED_BY])
        express = machine.type == "EXPRESS"
        execution = Execution(
            name=name,
            arn=arn,
            machine=machine,
            input=execution_input,
            start_date=self.clock.now(),
            parent=parent,
            history=(
                _Unrecorded()
                if express and not self.express_history
                else History(limit=self.max_history_events)
            ),
        )
        self._executions[arn] = execution
        self._open += 1
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
        # Taken in the caller's context: its active span, if any, is the run's parent (for a
        # child execution, the span of the Task state that starts it).
        scope = self._telemetry.execution(execution, group)
        run.telemetry = self._telemetry
        run.tracing = scope.tracing
        busy = self.clock.busy()
        busy.__enter__()  # taken now, so a virtual clock cannot jump before the run starts
        group.start_soon(self._run, execution, run, input_size, role_arn, busy, scope)
        return execution

    async def _run(
        self,
        execution: Execution,
        run: Run,
        input_size: jsondata.Size,
        role_arn: str,
        busy: Any,
        scope: ExecutionScope,
    ) -> None:
        """Run one execution in the engine's task group; nothing it raises reaches the group."""
        # A child starts from inside its parent's task: that task's bindings are not its own.
        structlog.contextvars.unbind_contextvars("state", "attempt")
        try:
            scope.started()
            await self._execute(execution, run, input_size, role_arn)
        except Exception as exc:  # noqa: BLE001 - the runner's last-resort guard
            _log_internal_error(execution, exc)
            if not execution.done:
                execution._close(
                    ExecutionStatus.FAILED,
                    self.clock.now(),
                    error=errors.RUNTIME,
                    cause=internal_cause(exc),
                )
        finally:
            self._open -= 1
            self.callbacks.close_execution(execution.arn)
            busy.__exit__(None, None, None)
            try:
                scope.ended()
            except Exception as exc:  # noqa: BLE001 - telemetry never fails an engine
                _log.error("telemetry failed as an execution ended", exception=traceback_text(exc))

    async def _execute(
        self, execution: Execution, run: Run, input_size: jsondata.Size, role_arn: str
    ) -> None:
        history = execution.history
        clock = self.clock
        with execution._scope:
            try:
                history.add(
                    "ExecutionStarted",
                    execution.start_date,
                    {"input": execution._input, "roleArn": role_arn},
                )
                if input_size.bytes > self.payload_limit:
                    raise StateFailed(
                        errors.DATA_LIMIT_EXCEEDED,
                        "The state/task 'ExecutionInput' returned a result with a size "
                        "exceeding the maximum number of bytes service limit.",
                    )
                output: Any = None
                limit = self._time_limit(execution.machine)
                program = execution.machine.program
                timed_out = False
                ended = None
                try:
                    if limit is None:
                        # Most machines have no time limit: no deadline scope to enter.
                        output, _, _, ended = await run_program(
                            program, execution._input, run, input_size
                        )
                    else:
                        with clock.timeout(limit) as deadline:
                            output, _, _, ended = await run_program(
                                program, execution._input, run, input_size
                            )
                        timed_out = deadline.cancelled_caught
                except StateFailed:
                    raise
                except Exception as exc:  # noqa: BLE001 - see internal_cause
                    # Whatever escaped the states' own guard (a clock, a hook) fails this
                    # execution alone, recorded as any failure is.
                    _log_internal_error(execution, exc)
                    raise StateFailed(errors.RUNTIME, internal_cause(exc)) from None
                if timed_out:
                    history.add(
                        "ExecutionTimedOut",
                        clock.now(),
                        {"error": errors.TIMEOUT, "cause": None},
                    )
                    execution._close(ExecutionStatus.TIMED_OUT, clock.now(), error=errors.TIMEOUT)
                    return
                # The last state was left as the execution ended: that reading serves both.
                assert ended is not None
                history.add("ExecutionSucceeded", ended, {"output": output})
                execution._close(ExecutionStatus.SUCCEEDED, ended, output=output)
            except StateFailed as failure:
                history.add(
                    "ExecutionFailed",
                    clock.now(),
                    {"error": failure.error, "cause": failure.cause},
                )
                execution._close(
                    ExecutionStatus.FAILED,
                    clock.now(),
                    error=failure.error,
                    cause=failure.cause,
                )
            except anyio.get_cancelled_exc_class():
                # Stopped (the scope swallows this) or the engine is closing (it does not).
                error, cause = execution._stop_reason or (None, None)
                details = {"error": error, "cause": cause}
                history.add(
                    "ExecutionAborted",
                    clock.now(),
                    {key: value for key, value in details.items() if value is not None},
                )
                execution._close(ExecutionStatus.ABORTED, clock.now(), error=error, cause=cause)
                raise

    def _time_limit(self, machine: StateMachine) -> float | None:
        limit = machine.timeout_seconds
        if machine.type == "EXPRESS":
            return self.express_timeout if limit is None else min(limit, self.express_timeout)
        return limit

    async def start_sync_execution(
        self, machine: StateMachine | str, input: Any = None, name: str | None = None
    ) -> SyncExecutionResult:
        """Run an Express execution to its end and return how it ended (StartSyncExecution).

        Cancelling the call stops the execution.

        Args:
            machine: an EXPRESS state machine, or the name or ARN of a registered one.
            input: the execution's input (any JSON value; None means ``{}`` as on AWS).
            name: the execution's name (default: a random UUID). Express names may repeat.

        Raises:
            StateMachineTypeNotSupported: the machine is not EXPRESS.
            EngineError, StateMachineDoesNotExist, InvalidName: as for
                :meth:`start_execution`.
        """
        machine = self._machine(machine)
        if machine.type != "EXPRESS":
            raise StateMachineTypeNotSupported(
                f"State Machine Type Not Supported: '{machine.name}' is a STANDARD state "
                "machine; start_sync_execution runs EXPRESS ones"
            )
        execution = await self.start_execution(machine, input, name)
        try:
            await execution.wait()
        except anyio.get_cancelled_exc_class():
            with anyio.CancelScope(shield=True):
                await self.stop_execution(execution)
            raise
        return SyncExecutionResult(execution, machine.arn(self.region, self.account))

    async def stop_execution(
        self, execution: Execution | str, error: str | None = None, cause: str | None = None
    ) -> Execution:
        """Stop a running execution and wait until it has closed ABORTED (StopExecution).

        Its running tasks are cancelled (a sync task's ``ctx.cancelled`` becomes true and
        its thread is left to finish on its own), the ``.sync`` children it waits for are
        stopped too, and its history ends with ``ExecutionAborted`` carrying ``error`` and
        ``cause``. Stopping a closed execution changes nothing.

        Args:
            execution: the execution or its ARN.
            error: the error recorded on the execution (AWS allows up to 256 characters).
            cause: a longer explanation.

        Returns:
            The execution.

        Raises:
            ExecutionDoesNotExist: the execution is unknown to this engine.
            InvalidArgument: ``error`` or ``cause`` is not a string, or is too long.
        """
        _check_failure_fields(error, cause)
        found = self._lookup(execution)
        if not found.done:
            found._stop(error, cause)
            await found.wait()
        return found

    def list_executions(
        self,
        machine: StateMachine | str | None = None,
        status: ExecutionStatus | str | None = None,
    ) -> list[Execution]:
        """The executions of a state machine, newest first (ListExecutions).

        Args:
            machine: a state machine, or its name or ARN; None lists every machine's.
            status: only executions with this status (``"RUNNING"``, ``"FAILED"``, ...).

        Raises:
            InvalidArgument: the status is not an execution status, or ``machine`` names
                none (a ValueError too).
        """
        name = None
        if isinstance(machine, StateMachine):
            name = machine.name
        elif isinstance(machine, str):
            name = _machine_name(machine)
        elif machine is not None:
            raise InvalidArgument(f"a state machine, its name or ARN is needed, not {machine!r}")
        try:
            wanted = None if status is None else ExecutionStatus(status)
        except ValueError:
            raise InvalidArgument(
                f"{status!r} is not an execution status: use one of "
                f"{', '.join(member.value for member in ExecutionStatus)}"
            ) from None
        return [
            execution
            for execution in reversed(self._executions.values())
            if (name is None or execution.machine.name == name)
            and (wanted is None or execution.status is wanted)
        ]

    async def send_task_success(self, token: str, output: Any) -> None:
        """Complete a callback task with its result (SendTaskSuccess).

        Callable from any task or coroutine of the engine's event loop, even before the
        task that was given the token has returned. Sync code in a worker thread calls it
        through ``anyio.from_thread.run``.

        Args:
            token: the task's token (``$$.Task.Token``, ``ctx.task_token``).
            output: the state's result (any JSON value).

        Raises:
            InvalidToken: the token is malformed.
            TaskDoesNotExist: the engine never issued this token.
            TaskTimedOut: the token was completed already, or its state has moved on.
            InvalidOutput: the output is not JSON data (see ``start_execution``'s input).
            InvalidArgument: the output is larger than the payload limit, as AWS's API
                refuses it.
        """
        self.callbacks.succeed(token, output, self.payload_limit)
        await anyio.lowlevel.checkpoint()

    async def send_task_failure(
        self, token: str, error: str | None = None, cause: str | None = None
    ) -> None:
        """Fail a callback task (SendTaskFailure); Retry and Catch see ``error``.

        Args:
            token: the task's token.
            error: the error name (None: no name, which ``States.ALL`` still matches).
            cause: a longer explanation.

        Raises:
            InvalidToken, TaskDoesNotExist, TaskTimedOut: as for :meth:`send_task_success`.
            InvalidArgument: ``error`` (up to 256 characters) or ``cause`` (up to 32,768)
                is not a string, or is too long.
        """
        _check_failure_fields(error, cause)
        self.callbacks.fail(token, error, cause)
        await anyio.lowlevel.checkpoint()

    async def send_task_heartbeat(self, token: str) -> None:
        """Tell the engine a callback task is alive: restarts its HeartbeatSeconds timer.

        Raises:
            InvalidToken, TaskDoesNotExist, TaskTimedOut: as for :meth:`send_task_success`.
        """
        self.callbacks.heartbeat(token)
        await anyio.lowlevel.checkpoint()

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
            InvalidArgument: a status is not one an execution closes with (a ValueError).
        """
        if not callable(callback):
            raise TypeError(f"subscribe needs a callable, not {callback!r}")
        return self._telemetry.subscribe(callback, statuses)

    async def get_execution_history(self, execution: Execution | str) -> Sequence[HistoryEvent]:
        """The execution's history events, oldest first, in AWS's shapes.

        Express executions keep none (the list is empty) unless the engine was created with
        ``express_history=True``.

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
        if not isinstance(arn, str):
            raise InvalidArgument(
                f"an execution or its ARN is needed, not {type(execution).__name__}"
            )
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
            if unbound_callback(target_of(resource)) is not None:
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
        "Input": execution._input,
        "StartTime": iso_timestamp(execution.start_date),
        "Name": execution.name,
        "RoleArn": role_arn,
    }
    if execution.machine.type == "STANDARD":
        context["RedriveCount"] = 0
    return context


def _machine_name(reference: str) -> str:
    """The name in a state machine ARN (or the reference itself, if it is a name)."""
    if reference.startswith("arn:") and ":stateMachine:" in reference:
        return reference.rsplit(":stateMachine:", 1)[1]
    return reference


class _Unrecorded(History):
    """An Express execution's history when none is kept: event ids go on, events are not kept.

    Causes still name the event id a state was entered at, as AWS's do.
    """

    __slots__ = ("_count",)

    def __init__(self) -> None:
        super().__init__()
        self._count = 0

    @property
    def last_id(self) -> int:
        """The id of the newest event."""
        return self._count

    def add(
        self,
        event_type: str,
        timestamp: datetime,
        raw: dict[str, Any] | None = None,
    ) -> int:
        """Count the event; return its id."""
        self._count += 1
        return self._count


def _log_internal_error(execution: Execution, exc: Exception) -> None:
    """Log an error the engine did not foresee while running ``execution``, with its traceback."""
    _log.error(
        "internal error while running an execution",
        execution=execution.name,
        exception=traceback_text(exc),
    )


def _text(value: object, name: str) -> str:
    """An engine option that must be text (an account id, a region)."""
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{name} must be a non-empty string, not {value!r}")
    return value


def _clock(clock: object) -> Clock:
    """The engine's clock: the system's, or an object with a clock's methods."""
    if clock is None:
        return SystemClock()
    missing = [
        method
        for method in ("now", "sleep", "timeout", "busy", "idle", "run")
        if not callable(getattr(clock, method, None))
    ]
    if missing:
        raise InvalidArgument(f"clock {clock!r} lacks a clock's methods: {', '.join(missing)}")
    return clock  # type: ignore[return-value]


def _positive_int(value: object, name: str) -> int:
    """An engine option that must be a positive integer."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgument(f"{name} must be a positive integer, not {value!r}")
    return value


def _positive_number(value: object, name: str) -> float:
    """An engine option that must be a positive, finite number of seconds."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidArgument(f"{name} must be a positive number, not {value!r}")
    return float(value)


def _check_failure_fields(error: object, cause: object) -> None:
    """``error`` and ``cause`` as AWS's APIs take them (SendTaskFailure, StopExecution).

    Raises:
        InvalidArgument: either is not a string (or None), or is longer than AWS allows.
    """
    for field, value, limit in (
        ("error", error, MAX_ERROR_LENGTH),
        ("cause", cause, MAX_CAUSE_LENGTH),
    ):
        if value is None:
            continue
        if not isinstance(value, str):
            raise InvalidArgument(
                f"1 validation error detected: Value at '{field}' failed to satisfy "
                f"constraint: Member must be a string (got {type(value).__name__})"
            )
        if len(value) > limit:
            raise InvalidArgument(
                f"1 validation error detected: Value at '{field}' failed to satisfy "
                f"constraint: Member must have length less than or equal to {limit}"
            )


def _check_name(name: object) -> None:
    if not isinstance(name, str):
        raise InvalidName(f"Invalid Name: an execution name is a string, not {type(name).__name__}")
    if not 1 <= len(name) <= 80:
        raise InvalidName(f"Invalid Name: '{name}' (an execution name has 1 to 80 characters)")
    if _FORBIDDEN_NAME.search(name):
        raise InvalidName(f"Invalid Name: '{name}' (it contains a character AWS does not allow)")
