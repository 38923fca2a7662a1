"""The engine's clock: every wait, backoff, timeout and heartbeat goes through one.

A clock also keeps a count of *busy* runners (an execution's interpreter, a branch, an
iteration) so that a virtual clock can tell when the whole engine is waiting on time alone
and jump to the next deadline. The system clock ignores that count.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol

import anyio


class Clock(Protocol):
    """What the engine needs from a clock."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Sleep this many seconds of clock time."""
        ...

    def timeout(self, seconds: float | None) -> AbstractContextManager[anyio.CancelScope]:
        """A cancel scope cancelled once ``seconds`` of clock time have passed (None: never).

        Use it as a context manager; ``scope.cancelled_caught`` tells whether it fired.
        """
        ...

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Mark the caller as doing work that time must not jump over."""
        ...

    @contextmanager
    def idle(self) -> Iterator[None]:
        """Inside a busy block: the caller waits on something other than time."""
        ...

    async def run(self) -> None:
        """Drive the clock, if it needs driving; run in the engine's task group."""
        ...


class SystemClock:
    """Real time: anyio's sleeps and deadlines, UTC wall-clock timestamps."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        """Sleep for real."""
        await anyio.sleep(max(seconds, 0.0))

    def timeout(self, seconds: float | None) -> anyio.CancelScope:
        """A cancel scope with a real deadline."""
        if seconds is None:
            return anyio.CancelScope()
        return anyio.CancelScope(deadline=anyio.current_time() + seconds)

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Nothing to track in real time."""
        yield

    @contextmanager
    def idle(self) -> Iterator[None]:
        """Nothing to track in real time."""
        yield

    async def run(self) -> None:
        """Real time drives itself."""

    def __repr__(self) -> str:
        return "SystemClock()"


def utc_timestamp(moment: datetime) -> float:
    """Seconds since the epoch of an aware datetime."""
    return moment.timestamp()


def monotonic() -> float:
    """A monotonic reading for measuring durations in real time."""
    return time.monotonic()


def add_seconds(moment: datetime, seconds: float) -> datetime:
    """``moment`` plus ``seconds``."""
    return moment + timedelta(seconds=seconds)
