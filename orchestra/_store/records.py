"""What is stored of an execution: its status and its data, apart from the live handle."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any


class ExecutionStatus(enum.StrEnum):
    """An execution's status, as AWS names it."""

    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    ABORTED = "ABORTED"


@dataclass(slots=True, eq=False)
class ExecutionRecord:
    """One execution as a store keeps it: plain data, no live parts.

    Attributes:
        name: the execution's name.
        arn: its ARN.
        machine_name: the name of its state machine.
        express: whether its state machine is EXPRESS.
        input: its input (the engine's own copy, never mutated).
        start_date: when it started (the engine's clock).
        root_name, root_arn: the root of its family (itself when it has no parent).
        parent_arn: the execution that started it, if any.
        status: RUNNING until it closes.
        output: its output once SUCCEEDED.
        error, cause: why it did not succeed.
        stop_date: when it closed.
        owner, lease_until: which engine runs it and until when its claim holds (for stores
            that several processes share; the memory store has one owner).
    """

    name: str
    arn: str
    machine_name: str
    express: bool
    input: Any
    start_date: datetime
    root_name: str
    root_arn: str
    parent_arn: str | None = None
    status: ExecutionStatus = ExecutionStatus.RUNNING
    output: Any = None
    error: str | None = None
    cause: str | None = None
    stop_date: datetime | None = None
    owner: str | None = None
    lease_until: datetime | None = None

    def close(
        self,
        status: ExecutionStatus,
        stop_date: datetime,
        *,
        output: Any = None,
        error: str | None = None,
        cause: str | None = None,
    ) -> None:
        """Record how the execution ended."""
        self.status = status
        self.output = output
        self.error = error
        self.cause = cause
        self.stop_date = stop_date

    @property
    def done(self) -> bool:
        """Whether the execution has closed."""
        return self.status is not ExecutionStatus.RUNNING
