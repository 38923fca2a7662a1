"""What every ExecutionStore does, checked against each store the engine ships.

Written against the port, so a store added later (a file, a database) runs the same checks
by joining the ``store`` fixture's parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from orchestra._store.events import ExecutionStarted, ExecutionSucceeded, StateEntered
from orchestra._store.memory import MemoryStore
from orchestra._store.port import ExecutionStore
from orchestra._store.records import ExecutionRecord, ExecutionStatus

START = datetime(2024, 1, 1, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment


StoreFactory = Callable[..., ExecutionStore]


def memory_store(now: Callable[[], datetime], **limits: float) -> ExecutionStore:
    return MemoryStore(now, **limits)  # type: ignore[arg-type]


@pytest.fixture(params=[memory_store], ids=["memory"])
def make_store(request: pytest.FixtureRequest) -> StoreFactory:
    factory: StoreFactory = request.param
    return factory


def record(name: str, machine: str = "m", at: datetime = START) -> ExecutionRecord:
    arn = f"arn:aws:states:us-east-1:123456789012:execution:{machine}:{name}"
    return ExecutionRecord(
        name=name,
        arn=arn,
        machine_name=machine,
        express=False,
        input={"name": name},
        start_date=at,
        root_name=name,
        root_arn=arn,
    )


def close(store: ExecutionStore, kept: ExecutionRecord, at: datetime) -> None:
    kept.close(ExecutionStatus.SUCCEEDED, at, output={"ok": True})
    store.update(kept)


def test_an_execution_is_created_found_and_closed(make_store: StoreFactory) -> None:
    store = make_store(Clock())
    first = record("one")
    store.create(first, "machine object")
    assert store.get(first.arn) is first
    assert store.machine_of(first.arn) == "machine object"
    assert store.running() == [first]
    close(store, first, START)
    assert store.get(first.arn) is not None
    assert store.get(first.arn).status is ExecutionStatus.SUCCEEDED  # type: ignore[union-attr]
    assert store.running() == []
    assert store.get("arn:unknown") is None


def test_events_are_kept_in_order_unless_told_not_to(make_store: StoreFactory) -> None:
    store = make_store(Clock())
    kept, unkept = record("kept"), record("unkept")
    log = store.create(kept, None)
    events = [
        ExecutionStarted(START, {}, "role"),
        StateEntered(START, "Pass", "P", {}),
        ExecutionSucceeded(START, {}),
    ]
    for event in events:
        log.append(event)
    log.commit()
    assert list(store.events(kept.arn)) == events
    quiet = store.create(unkept, None, keep_events=False)
    quiet.append(events[0])
    quiet.commit()
    assert list(store.events(unkept.arn)) == []


def test_listing_filters_and_pages_newest_first(make_store: StoreFactory) -> None:
    store = make_store(Clock())
    records = [record(f"r{k}", machine="a" if k % 2 else "b") for k in range(7)]
    for kept in records:
        store.create(kept, None)
    close(store, records[5], START)
    assert [r.name for r in store.list().records] == [f"r{k}" for k in reversed(range(7))]
    assert [r.name for r in store.list(machine_name="a").records] == ["r5", "r3", "r1"]
    assert [r.name for r in store.list(status=ExecutionStatus.SUCCEEDED).records] == ["r5"]
    seen: list[str] = []
    token = None
    while True:
        page = store.list(max_results=3, next_token=token)
        seen.extend(r.name for r in page.records)
        assert len(page.records) <= 3
        token = page.next_token
        if token is None:
            break
    assert seen == [f"r{k}" for k in reversed(range(7))]


def test_delete_forgets_an_execution(make_store: StoreFactory) -> None:
    store = make_store(Clock())
    gone = record("gone")
    store.create(gone, None).append(ExecutionStarted(START, {}, "role"))
    store.delete(gone.arn)
    assert store.get(gone.arn) is None
    assert list(store.events(gone.arn)) == []
    assert store.machine_of(gone.arn) is None


def test_claims_hold_for_running_executions_only(make_store: StoreFactory) -> None:
    store = make_store(Clock())
    running, closed = record("running"), record("closed")
    store.create(running, None)
    store.create(closed, None)
    close(store, closed, START)
    until = START + timedelta(seconds=30)
    assert store.claim(running.arn, "worker-1", until)
    assert (running.owner, running.lease_until) == ("worker-1", until)
    assert not store.claim(closed.arn, "worker-1", until)
    assert not store.claim("arn:unknown", "worker-1", until)


def test_the_oldest_closed_leave_past_the_count(make_store: StoreFactory) -> None:
    store = make_store(Clock(), max_closed=2)
    records = [record(f"r{k}") for k in range(4)]
    for kept in records:
        store.create(kept, None)
    for kept in records[:3]:
        close(store, kept, START)
    assert store.get(records[0].arn) is None
    assert [r.name for r in store.list().records] == ["r3", "r2", "r1"]


def test_closed_executions_age_out(make_store: StoreFactory) -> None:
    clock = Clock()
    store = make_store(clock, retention=60)
    old, young = record("old"), record("young")
    store.create(old, None)
    store.create(young, None)
    close(store, old, START)
    close(store, young, START + timedelta(seconds=30))
    clock.moment = START + timedelta(seconds=61)
    assert store.get(old.arn) is None
    assert store.get(young.arn) is young
    assert [r.name for r in store.list().records] == ["young"]
    clock.moment = START + timedelta(seconds=91)
    assert store.list().records == []


def test_machines_are_kept_by_name_in_order(make_store: StoreFactory) -> None:
    store = make_store(Clock())
    store.put_machine("b", "machine b")
    store.put_machine("a", "machine a")
    assert store.get_machine("a") == "machine a"
    assert store.get_machine("c") is None
    assert list(store.machines()) == ["machine b", "machine a"]
