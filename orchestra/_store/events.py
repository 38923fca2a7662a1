"""History events, one type per AWS event type, each with its details shape.

An event keeps its payloads as Python values; they become JSON text only when the history
is read (:class:`HistoryEvent`), so recording a transition costs one small object and no
``json.dumps``. Payloads are never mutated after they are recorded (the engine copies on
write).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Final

from .._query.failures import to_json

# The fields of an event's details that hold payloads (JSON text on AWS).
_PAYLOAD_FIELDS: Final = ("input", "output", "parameters")


def iso_timestamp(moment: datetime) -> str:
    """AWS's timestamp text: UTC, millisecond precision, ``Z`` suffix."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(slots=True)
class Event:
    """One event as recorded. ``type`` is AWS's event type; ``raw`` its details, payloads as
    values (None for an event AWS records without details)."""

    timestamp: datetime

    type: ClassVar[str] = ""
    details_key: ClassVar[str | None] = None
    closes: ClassVar[bool] = False

    def raw(self) -> dict[str, Any] | None:
        """The details with payloads as values (None: no details)."""
        return None


@dataclass(slots=True)
class FailureEvent(Event):
    """What every failure event records: an error name and a cause."""

    error: str | None
    cause: str | None

    def raw(self) -> dict[str, Any]:
        """``error`` and ``cause``."""
        return {"error": self.error, "cause": self.cause}


# -- the execution ------------------------------------------------------------------------


@dataclass(slots=True)
class ExecutionStarted(Event):
    """The first event of every execution."""

    input: Any
    role_arn: str

    type: ClassVar[str] = "ExecutionStarted"
    details_key: ClassVar[str | None] = "executionStartedEventDetails"

    def raw(self) -> dict[str, Any]:
        """``input`` and ``roleArn``."""
        return {"input": self.input, "roleArn": self.role_arn}


@dataclass(slots=True)
class ExecutionSucceeded(Event):
    """The execution ended with an output."""

    output: Any

    type: ClassVar[str] = "ExecutionSucceeded"
    details_key: ClassVar[str | None] = "executionSucceededEventDetails"
    closes: ClassVar[bool] = True

    def raw(self) -> dict[str, Any]:
        """``output``."""
        return {"output": self.output}


@dataclass(slots=True)
class ExecutionFailed(FailureEvent):
    """The execution ended with an error nothing caught."""

    type: ClassVar[str] = "ExecutionFailed"
    details_key: ClassVar[str | None] = "executionFailedEventDetails"
    closes: ClassVar[bool] = True


@dataclass(slots=True)
class ExecutionTimedOut(ExecutionFailed):
    """The execution ran past its TimeoutSeconds."""

    type: ClassVar[str] = "ExecutionTimedOut"
    details_key: ClassVar[str | None] = "executionTimedOutEventDetails"


@dataclass(slots=True)
class ExecutionAborted(ExecutionFailed):
    """The execution was stopped; only the fields given to StopExecution are recorded."""

    type: ClassVar[str] = "ExecutionAborted"
    details_key: ClassVar[str | None] = "executionAbortedEventDetails"

    def raw(self) -> dict[str, Any]:
        """``error`` and ``cause``, where given."""
        details: dict[str, Any] = {}
        if self.error is not None:
            details["error"] = self.error
        if self.cause is not None:
            details["cause"] = self.cause
        return details


# -- states -------------------------------------------------------------------------------


@dataclass(slots=True)
class StateEvent(Event):
    """What every ``{state type}State{suffix}`` event records: the state's type and name."""

    state_type: str
    name: str

    suffix: ClassVar[str] = ""

    @property
    def type(self) -> str:  # type: ignore[override]
        """AWS's event type: the state's type, then ``State`` and the suffix."""
        return f"{self.state_type}State{self.suffix}"

    def raw(self) -> dict[str, Any]:
        """``name`` (the one field an aborted state records, shown by no details key)."""
        return {"name": self.name}


@dataclass(slots=True)
class StateEntered(StateEvent):
    """A state was entered (``TaskStateEntered``, ``PassStateEntered``, ...)."""

    input: Any

    suffix: ClassVar[str] = "Entered"
    details_key: ClassVar[str | None] = "stateEnteredEventDetails"

    def raw(self) -> dict[str, Any]:
        """``name`` and ``input``."""
        return {"name": self.name, "input": self.input}


@dataclass(slots=True)
class StateExited(StateEvent):
    """A state was left with its output (``TaskStateExited``, ...)."""

    output: Any

    suffix: ClassVar[str] = "Exited"
    details_key: ClassVar[str | None] = "stateExitedEventDetails"

    def raw(self) -> dict[str, Any]:
        """``name`` and ``output``."""
        return {"name": self.name, "output": self.output}


@dataclass(slots=True)
class StateAborted(StateEvent):
    """A state was cancelled by a stop or a sibling's failure (``TaskStateAborted``, ...)."""

    suffix: ClassVar[str] = "Aborted"


@dataclass(slots=True)
class EvaluationFailed(FailureEvent):
    """A JSONata expression failed in a state."""

    state: str

    type: ClassVar[str] = "EvaluationFailed"
    details_key: ClassVar[str | None] = "evaluationFailedEventDetails"

    def raw(self) -> dict[str, Any]:
        """``error``, ``cause`` and ``state``."""
        return {"error": self.error, "cause": self.cause, "state": self.state}


@dataclass(slots=True)
class ParallelStateStarted(Event):
    """A Parallel state started its branches."""

    type: ClassVar[str] = "ParallelStateStarted"


@dataclass(slots=True)
class ParallelStateFailed(Event):
    """A Parallel state failed for good (after its last retry)."""

    type: ClassVar[str] = "ParallelStateFailed"


@dataclass(slots=True)
class MapStateStarted(Event):
    """A Map state started over ``length`` items."""

    length: int

    type: ClassVar[str] = "MapStateStarted"
    details_key: ClassVar[str | None] = "mapStateStartedEventDetails"

    def raw(self) -> dict[str, Any]:
        """``length``."""
        return {"length": self.length}


@dataclass(slots=True)
class MapStateSucceeded(Event):
    """Every iteration of a Map state ended (or failed within the tolerance)."""

    type: ClassVar[str] = "MapStateSucceeded"


@dataclass(slots=True)
class MapStateFailed(Event):
    """A Map state failed for good (after its last retry)."""

    type: ClassVar[str] = "MapStateFailed"


@dataclass(slots=True)
class MapIterationStarted(Event):
    """An inline Map iteration started."""

    name: str
    index: int

    type: ClassVar[str] = "MapIterationStarted"
    details_key: ClassVar[str | None] = "mapIterationStartedEventDetails"

    def raw(self) -> dict[str, Any]:
        """``name`` (the Map state's) and ``index``."""
        return {"name": self.name, "index": self.index}


@dataclass(slots=True)
class MapIterationSucceeded(MapIterationStarted):
    """An inline Map iteration ended."""

    type: ClassVar[str] = "MapIterationSucceeded"
    details_key: ClassVar[str | None] = "mapIterationSucceededEventDetails"


@dataclass(slots=True)
class MapIterationFailed(MapIterationStarted):
    """An inline Map iteration failed."""

    type: ClassVar[str] = "MapIterationFailed"
    details_key: ClassVar[str | None] = "mapIterationFailedEventDetails"


@dataclass(slots=True)
class MapIterationAborted(MapIterationStarted):
    """An inline Map iteration was cancelled."""

    type: ClassVar[str] = "MapIterationAborted"
    details_key: ClassVar[str | None] = "mapIterationAbortedEventDetails"


@dataclass(slots=True)
class MapRunStarted(Event):
    """A distributed Map started its run."""

    type: ClassVar[str] = "MapRunStarted"
    details_key: ClassVar[str | None] = "mapRunStartedEventDetails"

    def raw(self) -> dict[str, Any]:
        """Empty details, as AWS records them."""
        return {}


@dataclass(slots=True)
class MapRunSucceeded(Event):
    """A distributed Map's run ended."""

    type: ClassVar[str] = "MapRunSucceeded"


@dataclass(slots=True)
class MapRunFailed(FailureEvent):
    """A distributed Map's run failed."""

    type: ClassVar[str] = "MapRunFailed"
    details_key: ClassVar[str | None] = "mapRunFailedEventDetails"


# -- the history as read ------------------------------------------------------------------


class HistoryEvent:
    """One event of an execution's history, as GetExecutionHistory returns it.

    Attributes:
        id: the event's number, from 1.
        previous_event_id: the event this one follows from (0 for the first).
        type: AWS's event type, e.g. ``"TaskStateEntered"``.
        timestamp: when it happened (the engine's clock).
    """

    __slots__ = ("_event", "id", "previous_event_id", "timestamp", "type")

    def __init__(self, event_id: int, event: Event) -> None:
        self.id = event_id
        self.previous_event_id = event_id - 1
        self.type = event.type
        self.timestamp = event.timestamp
        self._event = event

    @property
    def details(self) -> dict[str, Any] | None:
        """The ``*EventDetails`` object, payloads as JSON text (None for detail-less events)."""
        raw = self._event.raw()
        if raw is None:
            return None
        details: dict[str, Any] = {}
        for key, value in raw.items():
            if key in _PAYLOAD_FIELDS:
                details[key] = to_json(value)
                details[f"{key}Details"] = {"truncated": False}
            else:
                details[key] = value
        return details

    @property
    def details_key(self) -> str | None:
        """The name AWS gives the details field for this event type."""
        return self._event.details_key

    def to_dict(self) -> dict[str, Any]:
        """The event in AWS's GetExecutionHistory JSON shape."""
        event: dict[str, Any] = {
            "timestamp": iso_timestamp(self.timestamp),
            "type": self.type,
            "id": self.id,
            "previousEventId": self.previous_event_id,
        }
        details = self.details
        key = self.details_key
        if details is not None and key is not None:
            event[key] = details
        return event

    def __repr__(self) -> str:
        return f"HistoryEvent(id={self.id}, type={self.type!r})"
