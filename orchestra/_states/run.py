"""What running states share: the per-execution runtime, a state visit, and failures.

States are compiled once and shared by every execution; everything that belongs to one run
(history, clock, random source, the context object's parts) lives in :class:`Run`, and
everything that belongs to one entry into a state lives in :class:`Visit`.
"""

from __future__ import annotations

import random
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Protocol

import anyio

from .. import errors
from .._query.failures import MAX_CAUSE_LENGTH as MAX_CAUSE_LENGTH
from .._query.failures import MAX_ERROR_LENGTH as MAX_ERROR_LENGTH
from .._query.failures import QueryFailure
from .._query.failures import StateFailed as StateFailed
from .._query.jsondata import MAX_DEPTH, JsonDataError, Size, byte_size, encode, measure
from .._store.history import History, iso_timestamp
from ..errors import QUERY_EVALUATION_ERROR

if TYPE_CHECKING:
    from .._observability.telemetry import StateTracing, Telemetry
    from .._runtime.callbacks import CallbackRegistry
    from .._runtime.clock import Clock
    from .._runtime.tasks import TaskRegistry


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


class Settings(Protocol):
    """Engine-wide settings a run reads."""

    account: str
    region: str
    payload_limit: int
    jsonata_timeout: float
    callbacks: CallbackRegistry


@dataclass(slots=True)
class Run:
    """One execution's runtime, shared by every state it visits."""

    history: History
    clock: Clock
    rng: random.Random
    tasks: TaskRegistry
    settings: Settings
    execution_context: dict[str, Any]
    state_machine_context: dict[str, Any]
    execution_name: str
    execution_arn: str
    root_execution_name: str
    thread_limiter: Any
    warned: set[str] = field(default_factory=set)
    telemetry: Telemetry | None = None
    # Set only while an SDK records spans or state durations: the per-state path checks it.
    tracing: StateTracing | None = None

    def context(self, visit: Visit) -> dict[str, Any]:
        """The context object ``$$`` as seen from a state visit."""
        state: dict[str, Any] = {"Name": visit.state_name, "EnteredTime": visit.entered_iso}
        if visit.retry_count is not None:
            state["RetryCount"] = visit.retry_count
        return {
            "Execution": self.execution_context,
            "StateMachine": self.state_machine_context,
            "State": state,
        }


class Visit:
    """One entry into a state: when, under which event id, with which variables."""

    __slots__ = (
        "_context",
        "assigned",
        "depth",
        "entered_id",
        "entered_time",
        "inner",
        "input",
        "retry_count",
        "run",
        "size",
        "state_name",
        "variables",
    )

    def __init__(
        self,
        run: Run,
        state_name: str,
        entered_id: int,
        entered_time: datetime,
        variables: Mapping[str, Any] | None = None,
        size: int = 0,
        depth: int = 0,
        inner: int = 0,
    ) -> None:
        self.run = run
        self.state_name = state_name
        self.entered_id = entered_id
        self.entered_time = entered_time
        self.variables = variables
        self.retry_count: int | None = None
        self.assigned: dict[str, Any] | None = None
        self.input: Any = None
        self._context: dict[str, Any] | None = None
        # Upper bounds on the data in hand: its size, its depth, the size of any value inside
        # it. The input's on entry; a state whose output is not a part of its input sets
        # its output's (see _query.growth).
        self.size = size
        self.depth = depth
        self.inner = inner

    def set_retry_count(self, count: int) -> None:
        """Enter a new attempt of a Task: ``$$.State.RetryCount`` changes."""
        self.retry_count = count
        self._context = None

    @property
    def entered_iso(self) -> str:
        """``$$.State.EnteredTime``."""
        return iso_timestamp(self.entered_time)

    @property
    def context(self) -> dict[str, Any]:
        """The context object for this visit, built on first use."""
        if self._context is None:
            self._context = self.run.context(self)
        return self._context

    def fail(self, failure: QueryFailure) -> StateFailed:
        """A QueryFailure as a state failure, with AWS's cause prefix."""
        cause = self.prefix(failure.cause)
        if failure.error == QUERY_EVALUATION_ERROR:
            # AWS records a failed JSONata evaluation as an event of its own, where it fails.
            self.run.history.add(
                "EvaluationFailed",
                self.run.clock.now(),
                {"error": failure.error, "cause": cause, "state": self.state_name},
            )
        return StateFailed(failure.error, cause)

    def prefix(self, cause: str) -> str:
        """AWS's cause text for an error the engine raised in this state."""
        return (
            f"An error occurred while executing the state '{self.state_name}' "
            f"(entered at the event id #{self.entered_id}). {cause}"
        )


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
