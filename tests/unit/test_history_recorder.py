"""The history recorder: ids, and when a log that writes in batches is committed."""

from __future__ import annotations

from datetime import UTC, datetime

from orchestra._store.events import Event, ExecutionStarted, ExecutionSucceeded, StateEntered
from orchestra._store.history import History

AT = datetime(2024, 1, 1, tzinfo=UTC)


class BatchingLog:
    """A log that stores appended events only when committed, as a database would."""

    batched = True

    def __init__(self) -> None:
        self.pending: list[Event] = []
        self.stored: list[list[Event]] = []

    def append(self, event: Event) -> None:
        self.pending.append(event)

    def commit(self) -> None:
        self.stored.append(self.pending)
        self.pending = []


def test_events_are_numbered_and_the_closing_event_commits_itself() -> None:
    log = BatchingLog()
    history = History(log)
    assert history.batched
    assert history.add(ExecutionStarted(AT, {}, "role")) == 1
    assert history.add(StateEntered(AT, "Pass", "P", {})) == 2
    assert log.stored == []
    history.commit()
    assert [len(batch) for batch in log.stored] == [2]
    assert history.add(ExecutionSucceeded(AT, {})) == 3
    assert [len(batch) for batch in log.stored] == [2, 1]
    assert log.pending == []
