"""Execution history in AWS's event shapes.

Events keep their payloads as Python values and serialise them to JSON text only when the
history is read, so recording a transition costs one small object and no ``json.dumps``.
Payloads are never mutated after they are recorded (the engine copies on write).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from ._query.failures import to_json

# The fields of an event's details that hold payloads (JSON text on AWS).
_PAYLOAD_FIELDS: Final = ("input", "output", "parameters")

_DETAILS_KEYS: Final = {
    "ExecutionStarted": "executionStartedEventDetails",
    "ExecutionSucceeded": "executionSucceededEventDetails",
    "ExecutionFailed": "executionFailedEventDetails",
    "ExecutionTimedOut": "executionTimedOutEventDetails",
    "ExecutionAborted": "executionAbortedEventDetails",
    "TaskScheduled": "taskScheduledEventDetails",
    "TaskStarted": "taskStartedEventDetails",
    "TaskSubmitted": "taskSubmittedEventDetails",
    "TaskSucceeded": "taskSucceededEventDetails",
    "TaskFailed": "taskFailedEventDetails",
    "TaskTimedOut": "taskTimedOutEventDetails",
    "LambdaFunctionScheduled": "lambdaFunctionScheduledEventDetails",
    "LambdaFunctionScheduleFailed": "lambdaFunctionScheduleFailedEventDetails",
    "LambdaFunctionStartFailed": "lambdaFunctionStartFailedEventDetails",
    "LambdaFunctionSucceeded": "lambdaFunctionSucceededEventDetails",
    "LambdaFunctionFailed": "lambdaFunctionFailedEventDetails",
    "LambdaFunctionTimedOut": "lambdaFunctionTimedOutEventDetails",
    "ActivityScheduled": "activityScheduledEventDetails",
    "ActivityStarted": "activityStartedEventDetails",
    "ActivitySucceeded": "activitySucceededEventDetails",
    "ActivityFailed": "activityFailedEventDetails",
    "ActivityTimedOut": "activityTimedOutEventDetails",
    "MapStateStarted": "mapStateStartedEventDetails",
    "EvaluationFailed": "evaluationFailedEventDetails",
    "MapIterationStarted": "mapIterationStartedEventDetails",
    "MapIterationSucceeded": "mapIterationSucceededEventDetails",
    "MapIterationFailed": "mapIterationFailedEventDetails",
    "MapIterationAborted": "mapIterationAbortedEventDetails",
    "MapRunStarted": "mapRunStartedEventDetails",
    "MapRunFailed": "mapRunFailedEventDetails",
}


def _details_key(event_type: str) -> str | None:
    key = _DETAILS_KEYS.get(event_type)
    if key is not None:
        return key
    if event_type.endswith("StateEntered"):
        return "stateEnteredEventDetails"
    if event_type.endswith("StateExited"):
        return "stateExitedEventDetails"
    return None


def iso_timestamp(moment: datetime) -> str:
    """AWS's timestamp text: UTC, millisecond precision, ``Z`` suffix."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class HistoryEvent:
    """One event of an execution's history, as GetExecutionHistory returns it.

    Attributes:
        id: the event's number, from 1.
        previous_event_id: the event this one follows from (0 for the first).
        type: AWS's event type, e.g. ``"TaskStateEntered"``.
        timestamp: when it happened (the engine's clock).
    """

    __slots__ = ("_raw", "id", "previous_event_id", "timestamp", "type")

    def __init__(
        self,
        event_id: int,
        previous_event_id: int,
        event_type: str,
        timestamp: datetime,
        raw: dict[str, Any] | None,
    ) -> None:
        self.id = event_id
        self.previous_event_id = previous_event_id
        self.type = event_type
        self.timestamp = timestamp
        self._raw = raw

    @property
    def details(self) -> dict[str, Any] | None:
        """The ``*EventDetails`` object, payloads as JSON text (None for detail-less events)."""
        raw = self._raw
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
        return _details_key(self.type)

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


class History:
    """An append-only list of events with AWS's id numbering."""

    __slots__ = ("events",)

    def __init__(self) -> None:
        self.events: list[HistoryEvent] = []

    @property
    def last_id(self) -> int:
        """The id of the newest event (0 when empty)."""
        return len(self.events)

    def add(
        self,
        event_type: str,
        timestamp: datetime,
        raw: dict[str, Any] | None = None,
        previous: int | None = None,
    ) -> int:
        """Record an event; return its id."""
        event_id = len(self.events) + 1
        self.events.append(
            HistoryEvent(
                event_id, event_id - 1 if previous is None else previous, event_type, timestamp, raw
            )
        )
        return event_id
