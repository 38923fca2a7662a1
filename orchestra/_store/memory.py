"""The memory store: the default, for tests, Express work and engines that need no restart.

Closed executions leave by a retention policy, as they leave AWS after its retention
period: at most ``max_closed`` of them are kept, none longer than ``retention`` seconds
after it closed. A service that runs forever therefore holds the running executions and a
bounded number of closed ones, and no more.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from .events import Event
from .history import UNKEPT
from .port import EventLog, Page
from .records import ExecutionRecord, ExecutionStatus

DEFAULT_MAX_CLOSED: Final = 1_000
"""Closed executions kept by default: enough to look back on, small enough to stay flat."""
DEFAULT_RETENTION: Final = 90 * 24 * 3600.0
"""AWS keeps a closed Standard execution for 90 days."""


class _Log(list[Event]):
    """An execution's events, in the list the store reads: nothing to write on commit.

    A list itself, so that recording an event is a plain ``list.append``.
    """

    __slots__ = ()
    batched: Final = False

    def commit(self) -> None:
        """The events are where the store reads them already."""


class MemoryStore:
    """Machines, executions and histories in this process's memory.

    Args:
        now: the engine's clock, by which closed executions age.
        max_closed: the most closed executions kept; the oldest closed leave first.
        retention: seconds a closed execution is kept after it closed.
    """

    def __init__(
        self,
        now: Callable[[], datetime],
        *,
        max_closed: int = DEFAULT_MAX_CLOSED,
        retention: float = DEFAULT_RETENTION,
    ) -> None:
        self._now = now
        self.max_closed = max_closed
        self.retention = timedelta(seconds=retention)
        self._machines: dict[str, Any] = {}
        # In start order: the newest is last.
        self._records: dict[str, ExecutionRecord] = {}
        self._logs: dict[str, _Log] = {}
        self._machine_of: dict[str, Any] = {}
        # Closed executions in the order they closed: the first leaves first.
        self._closed: dict[str, datetime] = {}

    def put_machine(self, name: str, machine: Any) -> None:
        """Keep a state machine under its name."""
        self._machines[name] = machine

    def get_machine(self, name: str) -> Any | None:
        """The state machine kept under ``name``, or None."""
        return self._machines.get(name)

    def machines(self) -> Sequence[Any]:
        """Every state machine, in the order they were put."""
        return tuple(self._machines.values())

    def create(
        self, record: ExecutionRecord, machine: Any, *, keep_events: bool = True
    ) -> EventLog:
        """Add a RUNNING execution of ``machine``; return the log its events go to.

        The caller has made sure no execution of that ARN is kept (see :meth:`get`).
        """
        self._records[record.arn] = record
        self._machine_of[record.arn] = machine
        if not keep_events:
            return UNKEPT
        log = self._logs[record.arn] = _Log()
        return log

    def update(self, record: ExecutionRecord) -> None:
        """Note that an execution closed; the oldest closed ones leave past the limits."""
        if record.stop_date is not None and record.arn in self._records:
            self._closed[record.arn] = record.stop_date
            # It closed just now: its close is the clock reading the ages are measured by.
            self._expire(record.stop_date)
        else:
            self._expire()

    def get(self, arn: str) -> ExecutionRecord | None:
        """The execution with this ARN, or None (also once it has aged out)."""
        record = self._records.get(arn)
        if record is None or record.stop_date is None:
            return record
        if record.stop_date <= self._now() - self.retention:
            self._expire()
            return None
        return record

    def machine_of(self, arn: str) -> Any | None:
        """The state machine an execution runs, or None."""
        return self._machine_of.get(arn)

    def events(self, arn: str) -> Sequence[Event]:
        """An execution's events, oldest first."""
        log = self._logs.get(arn)
        return () if log is None else tuple(log)

    def list(
        self,
        *,
        machine_name: str | None = None,
        status: ExecutionStatus | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> Page:
        """Executions, newest first, filtered by machine and status, a page at a time.

        ``next_token`` is the ARN of the first execution of the page.
        """
        self._expire()
        found: list[ExecutionRecord] = []
        started = next_token is None
        for record in reversed(self._records.values()):
            if not started:
                if record.arn != next_token:
                    continue
                started = True
            if (machine_name is None or record.machine_name == machine_name) and (
                status is None or record.status is status
            ):
                if max_results is not None and len(found) == max_results:
                    return Page(found, record.arn)
                found.append(record)
        return Page(found)

    def delete(self, arn: str) -> None:
        """Forget an execution and its events."""
        self._forget(arn)

    def running(self) -> Sequence[ExecutionRecord]:
        """The RUNNING executions."""
        return [record for record in self._records.values() if not record.done]

    def claim(self, arn: str, owner: str, until: datetime) -> bool:
        """One process owns every execution of a memory store: the claim always holds."""
        record = self._records.get(arn)
        if record is None or record.done:
            return False
        record.owner, record.lease_until = owner, until
        return True

    def _forget(self, arn: str) -> None:
        self._records.pop(arn, None)
        self._logs.pop(arn, None)
        self._machine_of.pop(arn, None)
        self._closed.pop(arn, None)

    def _expire(self, now: datetime | None = None) -> None:
        closed = self._closed
        if not closed:
            return
        while len(closed) > self.max_closed:
            self._forget(next(iter(closed)))
        if not closed:
            return
        horizon = (self._now() if now is None else now) - self.retention
        while closed:
            oldest = next(iter(closed))
            if closed[oldest] > horizon:
                break
            self._forget(oldest)

    def __len__(self) -> int:
        return len(self._records)
