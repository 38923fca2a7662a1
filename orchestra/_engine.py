"""The Engine: the public facade that wires the store, the runner, tasks and telemetry.

Every execution runs in its own cancel scope inside the engine's one task group: stopping one
cancels only its work, and leaving the engine cancels them all. The work itself happens in
the runner (``_runtime.runner``); what is kept of it, in the store (``_store``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

import anyio
import anyio.lowlevel

from ._observability.notifications import Subscriber
from ._observability.telemetry import Telemetry
from ._query.jsonata import DEFAULT_TIMEOUT as DEFAULT_JSONATA_TIMEOUT
from ._runtime.callbacks import CallbackRegistry
from ._runtime.children import child_tasks
from ._runtime.execution import Execution, SyncExecutionResult
from ._runtime.invoke import TaskService
from ._runtime.options import (
    check_failure_fields,
    clock_option,
    positive_int,
    positive_number,
    text_option,
)
from ._runtime.runner import Limits, Runner, machine_name
from ._runtime.tasks import TaskRegistry
from ._states.machine import StateMachine
from ._states.run import Clock, Settings
from ._store.events import HistoryEvent
from ._store.history import DEFAULT_EVENT_LIMIT
from ._store.memory import DEFAULT_MAX_CLOSED, DEFAULT_RETENTION, MemoryStore
from ._store.records import ExecutionStatus
from .errors import (
    EngineError,
    InvalidArgument,
    RegistrationError,
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
        max_closed_executions: how many closed executions (and their histories) the engine
            keeps; the oldest leave first, and ``describe_execution`` then raises
            ``ExecutionDoesNotExist`` for them, as AWS does after its retention period.
        retention_seconds: how long a closed execution is kept at most (AWS: 90 days).

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
        max_closed_executions: int = DEFAULT_MAX_CLOSED,
        retention_seconds: float = DEFAULT_RETENTION,
    ) -> None:
        self.account = text_option(account, "account")
        self.region = text_option(region, "region")
        self.clock: Clock = clock_option(clock)
        self.payload_limit = positive_int(payload_limit, "payload_limit")
        self.express_timeout = positive_number(express_timeout, "express_timeout")
        self.express_history = express_history
        self.max_open_executions = positive_int(max_open_executions, "max_open_executions")
        # Two events at least: the execution's start and its end.
        self.max_history_events = max(positive_int(max_history_events, "max_history_events"), 2)
        self.jsonata_timeout = positive_number(jsonata_timeout, "jsonata_timeout")
        self._max_threads = positive_int(max_threads, "max_threads")
        if isinstance(tasks, str | bytes) or not isinstance(tasks, Iterable):
            raise RegistrationError(f"tasks must be a list of @task functions, not {tasks!r}")
        self._store = MemoryStore(
            self.clock.now,
            max_closed=positive_int(max_closed_executions, "max_closed_executions"),
            retention=positive_number(retention_seconds, "retention_seconds"),
        )
        self._telemetry = Telemetry(
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
            record_payloads=record_payloads,
        )
        self._runner = Runner(
            store=self._store,
            clock=self.clock,
            settings=Settings(
                account=self.account,
                region=self.region,
                payload_limit=self.payload_limit,
                jsonata_timeout=self.jsonata_timeout,
            ),
            limits=Limits(
                express_timeout=self.express_timeout,
                express_history=express_history,
                max_open_executions=self.max_open_executions,
                max_history_events=self.max_history_events,
            ),
            telemetry=self._telemetry,
        )
        self._tasks = TaskService(
            self._bind_tasks(list(tasks)), CallbackRegistry(), self._telemetry
        )
        self._runner.tasks = self._tasks
        for machine in machines:
            self.register(machine)

    def _bind_tasks(self, tasks: list[Callable[..., Any]]) -> TaskRegistry:
        registry = TaskRegistry(tasks)
        # The engine serves child executions itself, unless a task of the user's does.
        own = [
            fn
            for resource, fn in child_tasks(self._runner).items()
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
        existing = self._store.get_machine(machine.name)
        if existing is not None and existing is not machine:
            raise RegistrationError(
                f"a different state machine is already registered as {machine.name!r}"
            )
        self._store.put_machine(machine.name, machine)
        return machine

    @property
    def state_machines(self) -> tuple[StateMachine, ...]:
        """The registered state machines, in the order they were registered."""
        return tuple(self._store.machines())

    async def __aenter__(self) -> Self:
        if self._runner.group is not None:
            raise EngineError("the engine is already running")
        self._tasks.limiter = anyio.CapacityLimiter(self._max_threads)
        self._telemetry.start()
        group = anyio.create_task_group()
        await group.__aenter__()
        self._runner.group = group
        group.start_soon(self.clock.run)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        group = self._runner.group
        assert group is not None
        self._runner.group = None
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
        return await self._runner.start(machine, input, name)

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
        machine = self._runner.machine(machine)
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
        return SyncExecutionResult(execution, self._runner.machine_arn(machine))

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
            ExecutionDoesNotExist: the execution is unknown to this engine, or has left it
                by the retention policy (see ``max_closed_executions``).
            InvalidArgument: ``error`` or ``cause`` is not a string, or is too long.
        """
        check_failure_fields(error, cause)
        return await self._runner.stop(self._runner.lookup(execution), error, cause)

    def list_executions(
        self,
        machine: StateMachine | str | None = None,
        status: ExecutionStatus | str | None = None,
    ) -> list[Execution]:
        """The executions of a state machine, newest first (ListExecutions).

        Running executions, and the closed ones the retention policy still keeps.

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
            name = machine_name(machine)
        elif machine is not None:
            raise InvalidArgument(f"a state machine, its name or ARN is needed, not {machine!r}")
        try:
            wanted = None if status is None else ExecutionStatus(status)
        except ValueError:
            raise InvalidArgument(
                f"{status!r} is not an execution status: use one of "
                f"{', '.join(member.value for member in ExecutionStatus)}"
            ) from None
        return self._runner.list_executions(name, wanted)

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
        self._tasks.callbacks.succeed(token, output, self.payload_limit)
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
        check_failure_fields(error, cause)
        self._tasks.callbacks.fail(token, error, cause)
        await anyio.lowlevel.checkpoint()

    async def send_task_heartbeat(self, token: str) -> None:
        """Tell the engine a callback task is alive: restarts its HeartbeatSeconds timer.

        Raises:
            InvalidToken, TaskDoesNotExist, TaskTimedOut: as for :meth:`send_task_success`.
        """
        self._tasks.callbacks.heartbeat(token)
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
        return self._telemetry.subscriptions.subscribe(callback, statuses)

    async def get_execution_history(self, execution: Execution | str) -> Sequence[HistoryEvent]:
        """The execution's history events, oldest first, in AWS's shapes.

        Express executions keep none (the list is empty) unless the engine was created with
        ``express_history=True``.

        Raises:
            ExecutionDoesNotExist: the execution is unknown to this engine, or has left it
                by the retention policy (see ``max_closed_executions``).
        """
        return self._runner.history(execution)

    def describe_execution(self, execution: Execution | str) -> Execution:
        """The execution with this ARN (or the execution itself).

        Raises:
            ExecutionDoesNotExist: the execution is unknown to this engine, or has left it
                by the retention policy (see ``max_closed_executions``).
        """
        return self._runner.lookup(execution)

    def __repr__(self) -> str:
        return f"Engine(account={self.account!r}, region={self.region!r}, clock={self.clock!r})"
