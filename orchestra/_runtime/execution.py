"""Execution: the live handle on one run of a state machine, as the caller sees it.

What is stored of the run (status, input, output, dates) is its :class:`ExecutionRecord`;
the handle adds what only a running engine has: waiting for the end, and stopping it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import anyio

from .._observability.spans import derived_trace_id
from .._query import jsondata
from .._store.records import ExecutionRecord, ExecutionStatus
from ..errors import ExecutionError

if TYPE_CHECKING:
    from .._states.machine import StateMachine


class Execution:
    """One run of a state machine.

    ``input``, ``output`` and ``result()`` give the caller a copy each time: changing it
    changes nothing in the execution or its history. Two handles on the same execution are
    equal.

    Attributes:
        machine: the StateMachine it runs.
        parent: the execution that started this one (named by the
            ``AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID`` key of its input), if any.
    """

    __slots__ = ("__weakref__", "_closed", "_scope", "_stop_reason", "machine", "parent", "record")

    def __init__(
        self,
        record: ExecutionRecord,
        machine: StateMachine,
        parent: Execution | None = None,
    ) -> None:
        self.record = record
        self.machine = machine
        self.parent = parent
        self._closed = anyio.Event()
        if record.done:
            self._closed.set()
        # Its own scope inside the engine's task group, so it can be stopped on its own.
        self._scope = anyio.CancelScope()
        self._stop_reason: tuple[str | None, str | None] | None = None

    @property
    def name(self) -> str:
        """The execution's name."""
        return self.record.name

    @property
    def arn(self) -> str:
        """Its ARN (``arn:aws:states:{region}:{account}:execution:{machine}:{name}``)."""
        return self.record.arn

    @property
    def status(self) -> ExecutionStatus:
        """RUNNING until it closes, then SUCCEEDED, FAILED, TIMED_OUT or ABORTED."""
        return self.record.status

    @property
    def error(self) -> str | None:
        """Why it did not succeed: the error name."""
        return self.record.error

    @property
    def cause(self) -> str | None:
        """Why it did not succeed: the cause."""
        return self.record.cause

    @property
    def start_date(self) -> datetime:
        """When it started (the engine's clock)."""
        return self.record.start_date

    @property
    def stop_date(self) -> datetime | None:
        """When it closed (the engine's clock)."""
        return self.record.stop_date

    @property
    def input(self) -> Any:
        """The execution's input (a copy)."""
        return jsondata.copy(self.record.input)

    @property
    def output(self) -> Any:
        """The final output once SUCCEEDED, else None (a copy)."""
        return jsondata.copy(self.record.output)

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
        return self.record.done

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
        record = self.record
        if record.status is not ExecutionStatus.SUCCEEDED:
            raise ExecutionError(record.status.value, record.error, record.cause)
        return jsondata.copy(record.output)

    def _stop(self, error: str | None, cause: str | None) -> None:
        """Cancel the run; the first reason given is the one recorded."""
        if self._stop_reason is None:
            self._stop_reason = (error, cause)
        self._scope.cancel()

    def _closed_now(self) -> None:
        """The record has been closed: wake whoever waits."""
        self._closed.set()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Execution):
            return NotImplemented
        return self.record.arn == other.record.arn

    def __hash__(self) -> int:
        return hash(self.record.arn)

    def __repr__(self) -> str:
        return f"Execution(name={self.name!r}, machine={self.machine.name!r}, status={self.status.value})"


def trace_id_for(execution: Execution | str) -> str:
    """The trace ID (32 hex digits) of a run, derived from its root execution's ARN.

    Every span of the run is in this trace, unless the run was started while the caller had
    an active span: it then joined the caller's trace.

    Args:
        execution: an execution (its root's ARN is used), or a root execution's ARN.

    Raises:
        TypeError: the argument is neither an execution nor an ARN.
    """
    if isinstance(execution, Execution):
        return derived_trace_id(execution.record.root_arn)
    if isinstance(execution, str):
        return derived_trace_id(execution)
    raise TypeError(f"trace_id_for needs an Execution or an ARN, not {execution!r}")


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
