"""The engine's options and the failure fields of its API calls, checked as they arrive.

Each check raises ``InvalidArgument`` naming the option, so a wrong setting fails where it
is given rather than deep inside a run.
"""

from __future__ import annotations

import math

from .._states.guards import MAX_CAUSE_LENGTH, MAX_ERROR_LENGTH
from .._states.run import Clock
from ..errors import InvalidArgument
from .clock import SystemClock


def text_option(value: object, name: str) -> str:
    """An engine option that must be text (an account id, a region)."""
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{name} must be a non-empty string, not {value!r}")
    return value


def clock_option(clock: object) -> Clock:
    """The engine's clock: the system's, or an object with a clock's methods."""
    if clock is None:
        return SystemClock()
    missing = [
        method
        for method in ("now", "sleep", "timeout", "busy", "idle", "run")
        if not callable(getattr(clock, method, None))
    ]
    if missing:
        raise InvalidArgument(f"clock {clock!r} lacks a clock's methods: {', '.join(missing)}")
    return clock  # type: ignore[return-value]


def positive_int(value: object, name: str) -> int:
    """An engine option that must be a positive integer."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgument(f"{name} must be a positive integer, not {value!r}")
    return value


def positive_number(value: object, name: str) -> float:
    """An engine option that must be a positive, finite number of seconds."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidArgument(f"{name} must be a positive number, not {value!r}")
    return float(value)


def check_failure_fields(error: object, cause: object) -> None:
    """``error`` and ``cause`` as AWS's APIs take them (SendTaskFailure, StopExecution).

    Raises:
        InvalidArgument: either is not a string (or None), or is longer than AWS allows.
    """
    for field, value, limit in (
        ("error", error, MAX_ERROR_LENGTH),
        ("cause", cause, MAX_CAUSE_LENGTH),
    ):
        if value is None:
            continue
        if not isinstance(value, str):
            raise InvalidArgument(
                f"1 validation error detected: Value at '{field}' failed to satisfy "
                f"constraint: Member must be a string (got {type(value).__name__})"
            )
        if len(value) > limit:
            raise InvalidArgument(
                f"1 validation error detected: Value at '{field}' failed to satisfy "
                f"constraint: Member must have length less than or equal to {limit}"
            )
