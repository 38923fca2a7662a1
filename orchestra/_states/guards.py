"""Guards around running states: time slices, payload limits, and user code's exceptions.

A loop of instant states yields to the event loop now and then; a payload is measured
only when its bound passes a limit; an exception from user code becomes a failure value,
except a real cancellation.
"""

from __future__ import annotations

import time
import traceback
from typing import Any, Final

import anyio

from .. import errors
from .._query.failures import MAX_CAUSE_LENGTH as MAX_CAUSE_LENGTH
from .._query.failures import MAX_ERROR_LENGTH as MAX_ERROR_LENGTH
from .._query.failures import StateFailed as StateFailed
from .._query.jsondata import MAX_DEPTH, JsonDataError, Size, byte_size, encode, measure

TIME_SLICE: Final = 0.002
"""Seconds a task may keep the CPU before it yields to the event loop."""


class TimeSlice:
    """Tells a loop of instant steps (states, iterations) when to yield to the event loop.

    By elapsed time rather than by count: a loop of cheap steps must not starve other
    executions, a checkpoint per step costs time, and some steps are slow.
    """

    __slots__ = ("_until",)

    def __init__(self) -> None:
        self._until = time.perf_counter() + TIME_SLICE

    def due(self) -> bool:
        """Whether the slice is over (and a new one starts)."""
        moment = time.perf_counter()
        if moment < self._until:
            return False
        self._until = moment + TIME_SLICE
        return True


def passes_through(exc: BaseException) -> bool:
    """Whether an exception from user code must go on up rather than become its failure.

    Ctrl-C and a cancellation the engine (or its host) delivered do; anything else user code
    raises (SystemExit, a BaseException subclass of its own, a CancelledError nobody sent)
    is that code's failure.
    """
    if isinstance(exc, KeyboardInterrupt):
        return True
    if not isinstance(exc, anyio.get_cancelled_exc_class()):
        return False
    # A cancelled scope makes the effective deadline minus infinity; code that merely raised
    # CancelledError itself has none.
    return anyio.current_effective_deadline() == float("-inf")


def traceback_text(exc: BaseException, frames: int = 40) -> str:
    """The last ``frames`` frames of ``exc``'s traceback, as text, for the log.

    Text rather than the exception itself: a renderer that shows each frame's variables
    would take for ever on a RecursionError's thousand frames full of hostile data.
    """
    lines = traceback.format_exception(
        type(exc), exc, exc.__traceback__, limit=-frames, chain=False
    )
    return "".join(lines)


def failure_text(value: object, limit: int) -> str | None:
    """An error name or cause from user code as text: any value, cut to ``limit`` characters.

    Never raises: a value that is not a string is shown as JSON, or by its type when it
    cannot be (an object whose ``__str__`` raises, say).
    """
    if value is None:
        return None
    if not isinstance(value, str):
        try:
            value = encode(value)
        except JsonDataError:
            value = describe_exception_value(value)
    return value[:limit]


def describe_exception_value(value: object) -> str:
    """``str(value)``, or a placeholder naming its type when ``__str__`` itself fails."""
    try:
        text = str(value)
    except Exception:  # noqa: BLE001 - user code: any failure of __str__ gets the placeholder
        return f"<unprintable {type(value).__name__} object>"
    return text if isinstance(text, str) else f"<unprintable {type(value).__name__} object>"


def checked(who: str, value: Any, size: int, depth: int, limit: int) -> Size:
    """A payload's size and depth, given bounds on them; the failure AWS reports if over.

    Bounds within the limits are returned as they are; otherwise ``value`` is measured.

    Raises:
        StateFailed: ``States.DataLimitExceeded``, naming ``who`` (a state or a task).
    """
    if size <= limit and depth <= MAX_DEPTH:
        return Size(size, depth)
    if size <= 8 * limit and 0 < depth <= MAX_DEPTH:
        # The common case, kept lean: a bound a little over the limit on data known to be
        # shallow; one pass of the C encoder tells the size.
        exact = byte_size(encode(value))
        if exact > limit:
            raise StateFailed(errors.DATA_LIMIT_EXCEEDED, too_large(who))
        return Size(exact, depth)
    measured = measure(value, limit=limit, depth_bound=depth, size_bound=size)
    if measured.depth > MAX_DEPTH:
        raise StateFailed(errors.DATA_LIMIT_EXCEEDED, too_deep(who))
    if measured.bytes > limit:
        raise StateFailed(errors.DATA_LIMIT_EXCEEDED, too_large(who))
    return measured


def too_large(who: str) -> str:
    """AWS's cause for a payload over the size limit."""
    return (
        f"The state/task '{who}' returned a result with a size exceeding the maximum number "
        "of bytes service limit."
    )


def too_deep(who: str) -> str:
    """The cause for a payload nested deeper than the engine holds."""
    return f"The state/task '{who}' returned a result nested more than {MAX_DEPTH} levels deep."
