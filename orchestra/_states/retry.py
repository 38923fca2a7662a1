"""Retry and Catch: which rule matches an error, and how long to back off (pure)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from .. import errors

# States.Runtime ends the execution whatever Retry and Catch say, even when named explicitly.
_NEVER_CAUGHT: Final = frozenset({errors.RUNTIME})
_NOT_CAUGHT_BY_TASK_FAILED: Final = _NEVER_CAUGHT | {errors.TIMEOUT}


@dataclass(frozen=True, slots=True)
class ErrorMatcher:
    """The ``ErrorEquals`` of one Retrier or Catcher."""

    names: frozenset[str]

    def matches(self, error: str | None) -> bool:
        """Whether this rule applies to ``error``, as AWS decides it."""
        name = error or ""
        if name in _NEVER_CAUGHT:
            return False
        if name in self.names or errors.ALL in self.names:
            return True
        if errors.TASK_FAILED in self.names:
            return name not in _NOT_CAUGHT_BY_TASK_FAILED
        return False


@dataclass(frozen=True, slots=True)
class Retrier:
    """One compiled element of ``Retry``."""

    matcher: ErrorMatcher
    interval_seconds: float
    max_attempts: int
    backoff_rate: float
    max_delay_seconds: float | None
    full_jitter: bool

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before retry number ``attempt`` (from 0) of this rule."""
        delay = self.interval_seconds * self.backoff_rate**attempt
        if self.max_delay_seconds is not None:
            delay = min(delay, self.max_delay_seconds)
        if self.full_jitter:
            delay = rng.uniform(0, delay)
        return delay


@dataclass(frozen=True, slots=True)
class Catcher:
    """One compiled element of ``Catch``; its fields are compiled by the state that owns it."""

    matcher: ErrorMatcher
    next: str
    result_path: Any
    assign: Any = None
    output: Any = None
    result_bound: Any = None


def compile_retriers(rules: Sequence[Mapping[str, Any]] | None) -> tuple[Retrier, ...]:
    """Compile a validated ``Retry`` array."""
    return tuple(
        Retrier(
            matcher=ErrorMatcher(frozenset(rule["ErrorEquals"])),
            interval_seconds=float(rule.get("IntervalSeconds", 1)),
            max_attempts=int(rule.get("MaxAttempts", 3)),
            backoff_rate=float(rule.get("BackoffRate", 2.0)),
            max_delay_seconds=(
                float(rule["MaxDelaySeconds"]) if "MaxDelaySeconds" in rule else None
            ),
            full_jitter=rule.get("JitterStrategy", "NONE") == "FULL",
        )
        for rule in rules or ()
    )


class RetryState:
    """How often each Retrier of one state has been used in the current attempt chain."""

    __slots__ = ("_counts", "retriers", "total")

    def __init__(self, retriers: tuple[Retrier, ...]) -> None:
        self.retriers = retriers
        self._counts = [0] * len(retriers)
        self.total = 0

    def next_delay(self, error: str | None, rng: random.Random) -> float | None:
        """The backoff before the next attempt, or None when no retry is left for ``error``."""
        for index, retrier in enumerate(self.retriers):
            if retrier.matcher.matches(error):
                attempt = self._counts[index]
                if attempt >= retrier.max_attempts:
                    return None
                self._counts[index] = attempt + 1
                self.total += 1
                return retrier.delay(attempt, rng)
        return None


def find_catcher(catchers: Sequence[Catcher], error: str | None) -> Catcher | None:
    """The first Catcher that applies to ``error``."""
    for catcher in catchers:
        if catcher.matcher.matches(error):
            return catcher
    return None
