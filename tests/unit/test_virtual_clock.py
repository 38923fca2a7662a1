"""The virtual clock driven by hand: advancing, zero sleeps, deadlines, its repr."""

from __future__ import annotations

from datetime import UTC, datetime

import anyio
import anyio.lowlevel
import pytest

from orchestra.testing import VirtualClock

START = datetime(2024, 1, 1, tzinfo=UTC)


def test_advance_moves_now_forward() -> None:
    """``advance`` moves the virtual time by the given seconds."""
    clock = VirtualClock(start=START)
    clock.advance(90)
    assert (clock.elapsed, clock.now()) == (90, datetime(2024, 1, 1, 0, 1, 30, tzinfo=UTC))


@pytest.mark.anyio
async def test_advance_fires_a_deadline_that_falls_due() -> None:
    """A timeout scope is cancelled once ``advance`` reaches its deadline."""
    clock = VirtualClock(start=START)
    with clock.timeout(5) as scope:
        clock.advance(5)
        await anyio.lowlevel.checkpoint()
    assert scope.cancelled_caught


@pytest.mark.anyio
async def test_advance_short_of_a_deadline_leaves_it_pending() -> None:
    """Advancing less than the timeout does not cancel the scope."""
    clock = VirtualClock(start=START)
    with clock.timeout(5) as scope:
        clock.advance(4.5)
        await anyio.lowlevel.checkpoint()
    assert not scope.cancelled_caught


@pytest.mark.anyio
async def test_sleeping_zero_seconds_returns_without_moving_time() -> None:
    """``sleep(0)`` is a checkpoint: it needs no driver and time stays put."""
    clock = VirtualClock(start=START)
    with anyio.fail_after(1):
        await clock.sleep(0)
    assert clock.elapsed == 0


def test_repr_shows_the_virtual_now() -> None:
    """The repr gives the current virtual time."""
    clock = VirtualClock(start=START)
    clock.advance(1.5)
    assert repr(clock) == "VirtualClock(now=2024-01-01T00:00:01.500000+00:00)"
