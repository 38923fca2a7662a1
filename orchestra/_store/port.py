"""The ExecutionStore port: the one place where machines, executions and histories live.

The engine talks to a store only through these protocols, so a store that keeps its data
elsewhere (a file, a database that several processes share) plugs in without touching the
runner. The shape is the one a durable store needs:

- events are append-only, numbered as AWS numbers them, and written in one batch per
  transition (:meth:`EventLog.commit`);
- an execution's record is created as it starts and updated as it closes;
- a record names its owner and how long the owner's claim holds, so that another process
  can resume the executions of one that went away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from .events import Event
from .records import ExecutionRecord, ExecutionStatus


class EventLog(Protocol):
    """Where one execution's events go, in order.

    ``batched`` tells whether :meth:`commit` writes anything: a log whose appended events
    are stored already says False, and the interpreter then skips the call.
    """

    @property
    def batched(self) -> bool:
        """Whether appended events wait for :meth:`commit` to be stored."""
        ...

    def append(self, event: Event) -> None:
        """Add the next event (its id is its position, from 1)."""
        ...

    def commit(self) -> None:
        """Write the events appended since the last commit, as one batch."""
        ...


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing, newest first.

    Attributes:
        records: the executions on this page.
        next_token: where the next page starts (None: this is the last).
    """

    records: Sequence[ExecutionRecord]
    next_token: str | None = None


class ExecutionStore(Protocol):
    """Machines, executions and their histories."""

    def put_machine(self, name: str, machine: Any) -> None:
        """Keep a state machine under its name."""
        ...

    def get_machine(self, name: str) -> Any | None:
        """The state machine kept under ``name``, or None."""
        ...

    def machines(self) -> Sequence[Any]:
        """Every state machine, in the order they were put."""
        ...

    def create(
        self, record: ExecutionRecord, machine: Any, *, keep_events: bool = True
    ) -> EventLog:
        """Add a RUNNING execution of ``machine``; return the log its events go to.

        ``keep_events=False`` keeps the record but not the events (AWS keeps no history of
        an Express execution).
        """
        ...

    def machine_of(self, arn: str) -> Any | None:
        """The state machine an execution runs, or None if the execution is gone."""
        ...

    def update(self, record: ExecutionRecord) -> None:
        """Store a record's new status (as it closes)."""
        ...

    def get(self, arn: str) -> ExecutionRecord | None:
        """The execution with this ARN, or None if there is none (or no longer one)."""
        ...

    def events(self, arn: str) -> Sequence[Event]:
        """An execution's events, oldest first (empty when they were not kept)."""
        ...

    def list(
        self,
        *,
        machine_name: str | None = None,
        status: ExecutionStatus | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> Page:
        """Executions, newest first, filtered by machine and status, a page at a time."""
        ...

    def delete(self, arn: str) -> None:
        """Forget an execution and its events."""
        ...

    def running(self) -> Sequence[ExecutionRecord]:
        """The RUNNING executions, for an engine that resumes them."""
        ...

    def claim(self, arn: str, owner: str, until: datetime) -> bool:
        """Take or renew ownership of a RUNNING execution until ``until``; whether it held."""
        ...
