"""Helpers for testing workflows: a virtual clock that makes waits instant.

Example:
    >>> clock = VirtualClock()
    >>> async with Engine(tasks=[...], clock=clock) as engine:  # doctest: +SKIP
    ...     execution = await engine.start_execution(machine, {})
    ...     await execution.wait()  # a Wait of one day returns at once
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import anyio
from anyio.lowlevel import checkpoint

__all__ = ["VirtualClock"]

# How many scheduler passes the driver lets go by before it trusts that an idle engine is
# really idle: a runner that is about to start (spawned, not yet running) must get its turn.
_SETTLE_PASSES = 8


class VirtualClock:
    """A clock whose time moves only when every engine runner waits on time.

    When nothing is busy and someone sleeps or has a deadline, the clock jumps straight to
    the earliest deadline. Work that does not go through the clock (a task's own I/O, a sync
    task in a worker thread) keeps the engine busy, so virtual time never jumps over it.

    Args:
        start: the initial time (timezone-aware); defaults to 2024-01-01T00:00:00Z.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._epoch = start or datetime(2024, 1, 1, tzinfo=UTC)
        self._offset = 0.0
        self._busy = 0
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._cancelled: set[int] = set()
        self._ids = itertools.count()
        self._changed: anyio.Event | None = None

    @property
    def elapsed(self) -> float:
        """Seconds of virtual time since the clock was created."""
        return self._offset

    def now(self) -> datetime:
        """The current virtual time."""
        return self._epoch + timedelta(seconds=self._offset)

    def advance(self, seconds: float) -> None:
        """Move time forward by hand, firing every timer that falls due."""
        self._jump_to(self._offset + seconds)

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of virtual time."""
        if seconds <= 0:
            await checkpoint()
            return
        event = anyio.Event()
        timer = self._add_timer(self._offset + seconds, event.set)
        try:
            with self.idle():
                await event.wait()
        finally:
            self._cancelled.add(timer)

    @contextmanager
    def timeout(self, seconds: float | None) -> Iterator[anyio.CancelScope]:
        """A cancel scope cancelled when virtual time reaches now + ``seconds``."""
        with anyio.CancelScope() as scope:
            if seconds is None:
                yield scope
                return
            timer = self._add_timer(self._offset + max(seconds, 0.0), scope.cancel)
            try:
                yield scope
            finally:
                self._cancelled.add(timer)

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Count the caller as busy for the duration of the block."""
        self._busy += 1
        try:
            yield
        finally:
            self._busy -= 1
            self._poke()

    @contextmanager
    def idle(self) -> Iterator[None]:
        """Count the caller as waiting (not busy) for the duration of the block."""
        self._busy -= 1
        self._poke()
        try:
            yield
        finally:
            self._busy += 1

    async def run(self) -> None:
        """Jump to the next deadline whenever the engine is idle; runs until cancelled."""
        while True:
            if self._busy > 0 or not self._live_timers():
                self._changed = anyio.Event()
                await self._changed.wait()
                continue
            for _ in range(_SETTLE_PASSES):
                await checkpoint()
            if self._busy > 0 or not self._live_timers():
                continue
            self._jump_to(self._timers[0][0])
            await checkpoint()

    def _add_timer(self, due: float, fire: Callable[[], None]) -> int:
        timer = next(self._ids)
        heapq.heappush(self._timers, (due, timer, fire))
        self._poke()
        return timer

    def _live_timers(self) -> bool:
        while self._timers and self._timers[0][1] in self._cancelled:
            self._cancelled.discard(heapq.heappop(self._timers)[1])
        return bool(self._timers)

    def _jump_to(self, moment: float) -> None:
        self._offset = max(self._offset, moment)
        while self._live_timers() and self._timers[0][0] <= self._offset:
            _, _, fire = heapq.heappop(self._timers)
            fire()

    def _poke(self) -> None:
        if self._changed is not None:
            self._changed.set()

    def __repr__(self) -> str:
        return f"VirtualClock(now={self.now().isoformat()})"
