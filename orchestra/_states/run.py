"""One execution's runtime as states see it, and the ports through which they reach out.

States are compiled once and shared by every execution; everything that belongs to one run
(history, clock, random source, the context object's parts) lives in :class:`Run`, and
everything that belongs to one entry into a state lives in :class:`Visit`.

A state knows nothing of the engine around it: the time, calling a task, awaiting a token
and reporting spans come through the protocols below, handed in with the run. The runtime
implements them; observability is reached through them; no state imports either.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

import anyio

from .._definition.resources import Target
from .._query.failures import QueryFailure, StateFailed
from .._store.events import EvaluationFailed, iso_timestamp
from .._store.history import History
from ..errors import QUERY_EVALUATION_ERROR

_SEEDS = random.SystemRandom()

Outcome = tuple[Any, str | None]
"""What a state's run returns: its output, and the next state's name (None at the end)."""


class StateInfo(Protocol):
    """A compiled state, as the ports see it."""

    name: str
    type: str
    definition: Mapping[str, Any]

    async def run(self, data: Any, visit: Visit) -> Outcome:
        """Run the state on its raw input."""
        ...


Failure = tuple[str | None, str | None]
"""A task's failure as a value: ``(error, cause)``."""

Job = Callable[[int], Awaitable[Any]]
JobKind = Literal["iteration", "branch"]


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


class CallbackHandle(Protocol):
    """One attempt's task token (``.waitForTaskToken``)."""

    token: str


@dataclass(slots=True)
class TaskCall:
    """One call of a task, as a Task state asks for it.

    Attributes:
        handle: what serves the resource, as :meth:`TaskPort.find` found it.
        payload: the task's input (the engine's own data: the port copies it for the task).
        run: the execution's runtime.
        state_name: the Task state.
        retry_count: 0 on the first attempt.
        timeout: TimeoutSeconds, if any.
        heartbeat: HeartbeatSeconds, if any.
        callback: the attempt's token, for a callback resource.
    """

    handle: Any
    payload: Any
    run: Run
    state_name: str
    retry_count: int
    timeout: float | None
    heartbeat: float | None
    callback: CallbackHandle | None = None


@dataclass(slots=True)
class CallOutcome:
    """What came of a call: a result, a failure ``(error, cause)``, or a timeout error name."""

    result: Any = None
    failure: Failure | None = None
    timed_out: str | None = None
    exception: Exception | None = None


class TaskPort(Protocol):
    """Calling tasks: what a Task state asks of the runtime."""

    def find(self, target: Target, function: str | None = None) -> Any | None:
        """What serves ``target`` (``function``: a ``lambda:invoke`` FunctionName), or None."""
        ...

    def open_callback(self, run: Run, target: Target) -> CallbackHandle:
        """Issue a new token for one attempt of a callback Task state."""
        ...

    async def call(self, call: TaskCall) -> CallOutcome:
        """Call the task once; its own failures come back as values."""
        ...


class Tracing(Protocol):
    """Per-state spans and durations, when an SDK records them."""

    async def state(self, state: StateInfo, data: Any, visit: Visit) -> Outcome:
        """Run ``state`` inside its span."""
        ...

    def jobs(self, job: Job, kind: JobKind, state_name: str, run: Run) -> Job:
        """``job`` with each call in a span of its own (a Map iteration, a Parallel branch)."""
        ...


class Observer(Protocol):
    """What the interpreter reports as states fail."""

    def state_failed(self, run: Run, state: StateInfo, failure: StateFailed) -> None:
        """A state failed and nothing caught it."""
        ...

    def internal_error(self, run: Run, state_name: str, exc: Exception) -> None:
        """A state raised an error the engine did not foresee (it fails as States.Runtime)."""
        ...


@dataclass(frozen=True, slots=True)
class Settings:
    """Engine-wide settings a run reads."""

    account: str
    region: str
    payload_limit: int
    jsonata_timeout: float


@dataclass(slots=True)
class Run:
    """One execution's runtime, shared by every state it visits."""

    history: History
    clock: Clock
    tasks: TaskPort
    settings: Settings
    observer: Observer
    execution_context: dict[str, Any]
    state_machine_context: dict[str, Any]
    execution_name: str
    execution_arn: str
    root_execution_name: str
    # Set only while an SDK records spans or state durations: the per-state path checks it.
    tracing: Tracing | None = None
    # Made on first use (most runs draw no random number): see ``rng``.
    random_source: random.Random | None = None

    @property
    def rng(self) -> random.Random:
        """The run's own random source (retry jitter, UUIDs, ``States.MathRandom``), seeded
        from the system's so that runs do not repeat each other."""
        source = self.random_source
        if source is None:
            source = self.random_source = random.Random(_SEEDS.getrandbits(64))
        return source

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
                EvaluationFailed(self.run.clock.now(), failure.error, cause, self.state_name)
            )
        return StateFailed(failure.error, cause)

    def prefix(self, cause: str) -> str:
        """AWS's cause text for an error the engine raised in this state."""
        return (
            f"An error occurred while executing the state '{self.state_name}' "
            f"(entered at the event id #{self.entered_id}). {cause}"
        )
