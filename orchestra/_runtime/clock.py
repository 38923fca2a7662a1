"""The engine's clock: every wait, backoff, timeout and heartbeat goes through one.

A clock also keeps a count of *busy* runners (an execution's interpreter, a branch, an
iteration) so that a virtual clock can tell when the whole engine is waiting on time alone
and jump to the next deadline. The system clock ignores that count.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import anyio

from .._states.run import Clock as Clock


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
