"""The history recorder: numbers an execution's events, holds them to a limit, hands them on.

Every event of an execution goes through one :class:`History`, which gives it AWS's id and
writes it to the execution's :class:`~orchestra._store.port.EventLog` in the store. The
interpreter commits the log once per transition, so a store that writes to disk does so in
one batch per transition.
"""

from __future__ import annotations

import sys
from typing import Final

from .._query.failures import StateFailed
from ..errors import RUNTIME
from .events import Event
from .port import EventLog

DEFAULT_EVENT_LIMIT: Final = 25_000
"""AWS's hard quota on a Standard execution's history."""


class HistoryLimitReached(StateFailed):
    """The execution reached its maximum number of history events; it fails with this.

    Raised by the event that would exceed the limit, as AWS fails the execution there:
    ``States.Runtime``, which neither Retry nor Catch handles.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(
            RUNTIME, f"The execution reached the maximum number of history events ({limit})."
        )


class _Unkept:
    """The log of an execution whose history is not kept (Express, as on AWS)."""

    __slots__ = ()
    batched: Final = False

    def append(self, event: Event) -> None:
        """Keep nothing."""

    def commit(self) -> None:
        """Nothing to write."""


UNKEPT: Final[EventLog] = _Unkept()


class History:
    """An append-only run of events with AWS's id numbering, up to a limit of events.

    The event that would be number ``limit`` ends the execution instead, unless it is the one
    that closes the execution (recorded as number ``limit``, as AWS records it). Past that
    point events are no longer recorded, and recording one raises
    :class:`HistoryLimitReached`, except while an exception is already on its way up (a
    cancellation, a failure being unwound), which must not be replaced.

    Ids go on even when the log keeps nothing: causes name the event id a state was entered
    at, as AWS's do.
    """

    __slots__ = ("_append", "_log", "batched", "last_id", "limit")

    def __init__(self, log: EventLog = UNKEPT, limit: int = DEFAULT_EVENT_LIMIT) -> None:
        self._log = log
        self._append = log.append
        # Whether the log needs a commit per transition (see EventLog.batched).
        self.batched = log.batched
        self.limit = limit
        self.last_id = 0

    def add(self, event: Event) -> int:
        """Record an event; return its id.

        Raises:
            HistoryLimitReached: the history is full (see the class documentation).
        """
        event_id = self.last_id + 1
        if event_id >= self.limit and not (event_id == self.limit and event.closes):
            if sys.exc_info()[1] is None:
                raise HistoryLimitReached(self.limit)
            return event_id - 1
        self.last_id = event_id
        self._append(event)
        if self.batched and event.closes:
            # The execution's last event ends its last transition: nothing follows to commit it.
            self._log.commit()
        return event_id

    def commit(self) -> None:
        """The events so far make one transition: write them to the store."""
        self._log.commit()
