"""The runner: every execution goes from ``start`` to its last history event here.

An execution runs in its own cancel scope inside the engine's one task group: stopping one
cancels only its work, and leaving the engine cancels them all. What is stored of it (its
record and its events) goes to the store; what only a running engine has (the cancel scope,
the end to wait for) stays in its :class:`Execution` handle.
"""

from __future__ import annotations

import re
import sys
import uuid
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import anyio
import structlog
from anyio.abc import TaskGroup

from .. import errors
from .._definition.resources import target_of
from .._observability.logs import StateLog, internal_error
from .._observability.telemetry import ExecutionScope, Telemetry
from .._query import jsondata
from .._states.guards import StateFailed, traceback_text
from .._states.machine import StateMachine
from .._states.program import internal_cause, run_program
from .._states.run import Clock, Run, Settings
from .._store.events import (
    ExecutionAborted,
    ExecutionFailed,
    ExecutionStarted,
    ExecutionSucceeded,
    ExecutionTimedOut,
    HistoryEvent,
    iso_timestamp,
)
from .._store.history import History
from .._store.port import ExecutionStore
from .._store.records import ExecutionRecord, ExecutionStatus
from ..errors import (
    ExecutionAlreadyExists,
    ExecutionDoesNotExist,
    ExecutionLimitExceeded,
    InvalidArgument,
    InvalidExecutionInput,
    InvalidName,
    StateMachineDoesNotExist,
)
from .callbacks import unbound_callback
from .children import STARTED_BY
from .execution import Execution
from .invoke import TaskService

_log = structlog.get_logger("orchestra")
# AWS rejects names with whitespace, brackets, wildcards, punctuation and control characters.
_FORBIDDEN_NAME: Final = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")
_OBSERVER: Final = StateLog()


@dataclass(frozen=True, slots=True)
class Limits:
    """The runner's limits (see the Engine's options of the same names)."""

    express_timeout: float
    express_history: bool
    max_open_executions: int
    max_history_events: int


class Runner:
    """Starts executions, runs each to its end, and finds them again."""

    def __init__(
        self,
        *,
        store: ExecutionStore,
        clock: Clock,
        settings: Settings,
        limits: Limits,
        telemetry: Telemetry,
    ) -> None:
        self.store = store
        self._clock = clock
        self.settings = settings
        self.limits = limits
        self.telemetry = telemetry
        # Set by the engine: the tasks need the runner (for child executions) first.
        self.tasks: TaskService | None = None
        self.group: TaskGroup | None = None
        self._running: dict[str, Execution] = {}
        # The handles callers still hold: the same object for the same execution, and no
        # handle kept alive for an execution nobody looks at.
        self._handles: weakref.WeakValueDictionary[str, Execution] = weakref.WeakValueDictionary()
        self._seen_machines: set[int] = set()

    @property
    def clock(self) -> Clock:
        """The engine's clock."""
        return self._clock

    def machine_arn(self, machine: StateMachine) -> str:
        """A state machine's ARN in the engine's region and account."""
        return machine.arn(self.settings.region, self.settings.account)

    def machine(self, machine: StateMachine | str) -> StateMachine:
        """A state machine, or the registered one a name or ARN names.

        Raises:
            InvalidArgument: ``machine`` is neither.
            StateMachineDoesNotExist: no machine is registered under that name or ARN.
        """
        if isinstance(machine, StateMachine):
            return machine
        if not isinstance(machine, str):
            raise InvalidArgument(
                f"a state machine, or the name or ARN of a registered one, is needed; got "
                f"{type(machine).__name__}"
            )
        found = self.store.get_machine(machine)
        if found is None:
            found = self.store.get_machine(machine_name(machine))
            if found is not None and self.machine_arn(found) != machine:
                found = None
        if found is None:
            raise StateMachineDoesNotExist(f"State Machine Does Not Exist: '{machine}'")
        return found  # type: ignore[no-any-return]

    async def start(
        self, machine: StateMachine | str, input: Any = None, name: str | None = None
    ) -> Execution:
        """Start an execution; return at once (see ``Engine.start_execution``)."""
        group = self.group
        if group is None:
            raise errors.EngineError("the engine is not running: use 'async with Engine(...)'")
        machine = self.machine(machine)
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
        settings = self.settings
        express = machine.type == "EXPRESS"
        prefix = f"arn:aws:states:{settings.region}:{settings.account}"
        if express:
            arn = f"{prefix}:express:{machine.name}:{name}:{uuid.uuid4()}"
        else:
            arn = f"{prefix}:execution:{machine.name}:{name}"
        existing = self.store.get(arn)
        if existing is not None:
            running = self._running.get(arn)
            if running is not None and jsondata.encode(existing.input) == jsondata.encode(
                execution_input
            ):
                return running
            raise ExecutionAlreadyExists(f"Execution Already Exists: '{arn}'")
        if len(self._running) >= self.limits.max_open_executions:
            raise ExecutionLimitExceeded(
                "Execution Limit Exceeded: the maximum number of running executions "
                f"({self.limits.max_open_executions}) has been reached. Running executions "
                "must end or be stopped before a new execution can be started."
            )
        self._warn_unbound(machine)
        parent = None
        if isinstance(execution_input, dict) and isinstance(execution_input.get(STARTED_BY), str):
            parent = self._find(execution_input[STARTED_BY])
        root = parent.root if parent is not None else None
        record = ExecutionRecord(
            name=name,
            arn=arn,
            machine_name=machine.name,
            express=express,
            input=execution_input,
            start_date=self._clock.now(),
            root_name=name if root is None else root.name,
            root_arn=arn if root is None else root.arn,
            parent_arn=None if parent is None else parent.arn,
        )
        keep_events = not express or self.limits.express_history
        log = self.store.create(record, machine, keep_events=keep_events)
        # An unkept history has no limit: AWS keeps none for Express, and sets none.
        history = History(log, self.limits.max_history_events if keep_events else sys.maxsize)
        execution = Execution(record, machine, parent)
        self._running[arn] = execution
        self._handles[arn] = execution
        role_arn = machine.role_arn or (
            f"arn:aws:iam::{settings.account}:role/service-role/StepFunctions-{machine.name}-role"
        )
        assert self.tasks is not None
        # Taken in the caller's context: its active span, if any, is the run's parent (for a
        # child execution, the span of the Task state that starts it).
        scope = self.telemetry.execution(record, execution, group)
        run = Run(
            history=history,
            clock=self._clock,
            tasks=self.tasks,
            settings=settings,
            observer=_OBSERVER,
            execution_context=_execution_context(record, role_arn),
            state_machine_context={"Id": self.machine_arn(machine), "Name": machine.name},
            execution_name=name,
            execution_arn=arn,
            root_execution_name=record.root_name,
            tracing=scope.tracing,
        )
        busy = self._clock.busy()
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
            internal_error(execution.name, exc)
            if not execution.done:
                self._close(
                    execution,
                    ExecutionStatus.FAILED,
                    self._clock.now(),
                    error=errors.RUNTIME,
                    cause=internal_cause(exc),
                )
        finally:
            del self._running[execution.arn]
            self.store.update(execution.record)
            assert self.tasks is not None
            self.tasks.callbacks.close_execution(execution.arn)
            busy.__exit__(None, None, None)
            try:
                scope.ended()
            except Exception as exc:  # noqa: BLE001 - telemetry never fails an engine
                _log.error("telemetry failed as an execution ended", exception=traceback_text(exc))

    async def _execute(
        self, execution: Execution, run: Run, input_size: jsondata.Size, role_arn: str
    ) -> None:
        history = run.history
        clock = self._clock
        record = execution.record
        with execution._scope:
            try:
                history.add(ExecutionStarted(record.start_date, record.input, role_arn))
                if input_size.bytes > self.settings.payload_limit:
                    raise StateFailed(
                        errors.DATA_LIMIT_EXCEEDED,
                        "The state/task 'ExecutionInput' returned a result with a size "
                        "exceeding the maximum number of bytes service limit.",
                    )
                output, ended, timed_out = await self._program(execution, run, input_size)
                if timed_out:
                    history.add(ExecutionTimedOut(clock.now(), errors.TIMEOUT, None))
                    self._close(
                        execution, ExecutionStatus.TIMED_OUT, clock.now(), error=errors.TIMEOUT
                    )
                    return
                history.add(ExecutionSucceeded(ended, output))
                self._close(execution, ExecutionStatus.SUCCEEDED, ended, output=output)
            except StateFailed as failure:
                history.add(ExecutionFailed(clock.now(), failure.error, failure.cause))
                self._close(
                    execution,
                    ExecutionStatus.FAILED,
                    clock.now(),
                    error=failure.error,
                    cause=failure.cause,
                )
            except anyio.get_cancelled_exc_class():
                # Stopped (the scope swallows this) or the engine is closing (it does not).
                error, cause = execution._stop_reason or (None, None)
                history.add(ExecutionAborted(clock.now(), error, cause))
                self._close(
                    execution, ExecutionStatus.ABORTED, clock.now(), error=error, cause=cause
                )
                raise

    async def _program(
        self, execution: Execution, run: Run, input_size: jsondata.Size
    ) -> tuple[Any, Any, bool]:
        """Run the machine's states: the output, when the last state was left, and whether
        the execution's time ran out."""
        limit = self._time_limit(execution.machine)
        program = execution.machine.program
        data = execution.record.input
        try:
            if limit is None:
                # Most machines have no time limit: no deadline scope to enter.
                output, _, _, ended = await run_program(program, data, run, input_size)
                return output, ended, False
            with self._clock.timeout(limit) as deadline:
                output, _, _, ended = await run_program(program, data, run, input_size)
            return (None, None, True) if deadline.cancelled_caught else (output, ended, False)
        except StateFailed:
            raise
        except Exception as exc:  # noqa: BLE001 - see internal_cause
            # Whatever escaped the states' own guard (a clock, a hook) fails this execution
            # alone, recorded as any failure is.
            internal_error(execution.name, exc)
            raise StateFailed(errors.RUNTIME, internal_cause(exc)) from None

    @staticmethod
    def _close(
        execution: Execution,
        status: ExecutionStatus,
        stop_date: datetime,
        **fields: Any,
    ) -> None:
        execution.record.close(status, stop_date, **fields)
        execution._closed_now()

    def _time_limit(self, machine: StateMachine) -> float | None:
        limit = machine.timeout_seconds
        if machine.type == "EXPRESS":
            express = self.limits.express_timeout
            return express if limit is None else min(limit, express)
        return limit

    async def stop(
        self, execution: Execution, error: str | None = None, cause: str | None = None
    ) -> Execution:
        """Stop a running execution and wait until it has closed."""
        if not execution.done:
            execution._stop(error, cause)
            await execution.wait()
        return execution

    def lookup(self, execution: Execution | str) -> Execution:
        """The handle on the execution with this ARN (or on this execution).

        Raises:
            InvalidArgument: the argument is neither an execution nor an ARN.
            ExecutionDoesNotExist: the store has no such execution (any more).
        """
        arn = execution.arn if isinstance(execution, Execution) else execution
        if not isinstance(arn, str):
            raise InvalidArgument(
                f"an execution or its ARN is needed, not {type(execution).__name__}"
            )
        record = self.store.get(arn)
        if record is None:
            raise ExecutionDoesNotExist(f"Execution Does Not Exist: '{arn}'")
        return self._handle(record)

    def _handle(self, record: ExecutionRecord) -> Execution:
        """A handle on a stored execution: the one a caller holds, or a new one.

        A new handle needs its parent's, which may need its own: the family is walked up
        to the first ancestor that has a handle (or has none), then built down, so a
        family thousands deep needs no recursion.
        """
        missing: list[ExecutionRecord] = []
        above: Execution | None = None
        current: ExecutionRecord | None = record
        while current is not None:
            found = self._running.get(current.arn) or self._handles.get(current.arn)
            if found is not None and found.record is current:
                above = found
                break
            missing.append(current)
            current = None if current.parent_arn is None else self.store.get(current.parent_arn)
        for kept in reversed(missing):
            machine = self.store.machine_of(kept.arn)
            assert machine is not None, "a stored execution's machine is stored with it"
            above = Execution(kept, machine, above)
            self._handles[kept.arn] = above
        assert above is not None
        return above

    def _find(self, arn: str) -> Execution | None:
        """The handle on a stored execution (running ones are stored too), or None."""
        record = self.store.get(arn)
        return None if record is None else self._handle(record)

    def list_executions(
        self, machine_name: str | None, status: ExecutionStatus | None
    ) -> list[Execution]:
        """The stored executions, newest first, filtered by machine and status."""
        page = self.store.list(machine_name=machine_name, status=status)
        return [self._handle(record) for record in page.records]

    def history(self, execution: Execution | str) -> list[HistoryEvent]:
        """An execution's events, oldest first, as AWS shows them."""
        found = self.lookup(execution)
        return [
            HistoryEvent(number, event)
            for number, event in enumerate(self.store.events(found.arn), 1)
        ]

    def _warn_unbound(self, machine: StateMachine) -> None:
        if id(machine) in self._seen_machines:
            return
        self._seen_machines.add(id(machine))
        assert self.tasks is not None
        for resource in machine.resources():
            if resource.startswith("arn:") and ":states:::lambda:invoke" in resource:
                continue
            if unbound_callback(target_of(resource)) is not None:
                continue
            if self.tasks.registry.for_resource(resource) is None:
                _log.warning(
                    "no task is bound to a Task resource",
                    state_machine=machine.name,
                    resource=resource,
                )


def _execution_context(record: ExecutionRecord, role_arn: str) -> dict[str, Any]:
    """``$$.Execution``: Express executions cannot be redriven, so they have no RedriveCount."""
    context: dict[str, Any] = {
        "Id": record.arn,
        "Input": record.input,
        "StartTime": iso_timestamp(record.start_date),
        "Name": record.name,
        "RoleArn": role_arn,
    }
    if not record.express:
        context["RedriveCount"] = 0
    return context


def machine_name(reference: str) -> str:
    """The name in a state machine ARN (or the reference itself, if it is a name)."""
    if reference.startswith("arn:") and ":stateMachine:" in reference:
        return reference.rsplit(":stateMachine:", 1)[1]
    return reference


def _check_name(name: object) -> None:
    if not isinstance(name, str):
        raise InvalidName(f"Invalid Name: an execution name is a string, not {type(name).__name__}")
    if not 1 <= len(name) <= 80:
        raise InvalidName(f"Invalid Name: '{name}' (an execution name has 1 to 80 characters)")
    if _FORBIDDEN_NAME.search(name):
        raise InvalidName(f"Invalid Name: '{name}' (it contains a character AWS does not allow)")
