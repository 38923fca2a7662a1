"""Execution: one run of a state machine, as the caller sees it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import anyio

from .._query import jsondata
from .._store.history import History
from ..errors import ExecutionError

if TYPE_CHECKING:
    from .._states.machine import StateMachine


class ExecutionStatus(enum.StrEnum):
    """An execution's status, as AWS names it."""

    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    ABORTED = "ABORTED"


class Execution:
    """One run of a state machine.

    ``input``, ``output`` and ``result()`` give the caller a copy each time: changing it
    changes nothing in the execution or its history.

    Attributes:
        name: the execution's name.
        arn: its ARN (``arn:aws:states:{region}:{account}:execution:{machine}:{name}``).
        machine: the StateMachine it runs.
        status: RUNNING until it closes, then SUCCEEDED, FAILED, TIMED_OUT or ABORTED.
        error, cause: why it did not succeed.
        start_date, stop_date: when it started and closed (the engine's clock).
        parent: the execution that started this one (named by the
            ``AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID`` key of its input), if any.
    """

    def __init__(
        self,
        *,
        name: str,
        arn: str,
        machine: StateMachine,
        input: Any,
        start_date: datetime,
        parent: Execution | None = None,
        history: History | None = None,
    ) -> None:
        self.name = name
        self.arn = arn
        self.machine = machine
        self._input = input
        self.start_date = start_date
        self.stop_date: datetime | None = None
        self.status = ExecutionStatus.RUNNING
        self._output: Any = None
        self.error: str | None = None
        self.cause: str | None = None
        self.parent = parent
        self.history = History() if history is None else history
        self._closed = anyio.Event()
        # Its own scope inside the engine's task group, so it can be stopped on its own.
        self._scope = anyio.CancelScope()
        self._stop_reason: tuple[str | None, str | None] | None = None

    @property
    def input(self) -> Any:
        """The execution's input (a copy)."""
        return jsondata.copy(self._input)

    @property
    def output(self) -> Any:
        """The final output once SUCCEEDED, else None (a copy)."""
        return jsondata.copy(self._output)

    @property
    def root(self) -> Execution:
        """The execution at the top of this one's family (itself when it has no parent)."""
        execution = self
        while execution.parent is not None:
            execution = execution.parent
        return execution

    @property
    def done(self) -> bool:
        """Whether the execution has closed."""
        return self.status is not ExecutionStatus.RUNNING

    async def wait(self) -> Execution:
        """Wait until the execution closes; return it."""
        await self._closed.wait()
        return self

    async def result(self) -> Any:
        """Wait for the execution and return its output.

        Raises:
            ExecutionError: the execution failed, timed out or was aborted.
        """
        await self.wait()
        if self.status is not ExecutionStatus.SUCCEEDED:
            raise ExecutionError(self.status.value, self.error, self.cause)
        return jsondata.copy(self._output)

    def _stop(self, error: str | None, cause: str | None) -> None:
        """Cancel the run; the first reason given is the one recorded."""
        if self._stop_reason is None:
            self._stop_reason = (error, cause)
        self._scope.cancel()

    def _close(
        self,
        status: ExecutionStatus,
        stop_date: datetime,
        *,
        output: Any = None,
        error: str | None = None,
        cause: str | None = None,
    ) -> None:
        self.status = status
        self._output = output
        self.error = error
        self.cause = cause
        self.stop_date = stop_date
        self._closed.set()

    def __repr__(self) -> str:
        return f"Execution(name={self.name!r}, machine={self.machine.name!r}, status={self.status.value})"


class SyncExecutionResult:
    """How an Express execution started with ``start_sync_execution`` ended.

    The shape of AWS's StartSyncExecution response.

    Attributes:
        execution: the execution itself.
        execution_arn: its ARN.
        state_machine_arn: its state machine's ARN.
        name: its name.
        status: SUCCEEDED, FAILED or TIMED_OUT (ABORTED if it was stopped).
        start_date, stop_date: when it started and closed (the engine's clock).
        input: its input.
        output: its output when SUCCEEDED, else None.
        error, cause: why it did not succeed.
    """

    __slots__ = (
        "cause",
        "error",
        "execution",
        "execution_arn",
        "input",
        "name",
        "output",
        "start_date",
        "state_machine_arn",
        "status",
        "stop_date",
    )

    def __init__(self, execution: Execution, state_machine_arn: str) -> None:
        self.execution = execution
        self.execution_arn = execution.arn
        self.state_machine_arn = state_machine_arn
        self.name = execution.name
        self.status = execution.status
        self.start_date = execution.start_date
        self.stop_date = execution.stop_date
        self.input = execution.input
        self.output = execution.output
        self.error = execution.error
        self.cause = execution.cause

    def __repr__(self) -> str:
        return f"SyncExecutionResult(name={self.name!r}, status={self.status.value})"
