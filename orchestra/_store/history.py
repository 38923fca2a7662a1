"""Execution history in AWS's event shapes.

Events keep their payloads as Python values and serialise them to JSON text only when the
history is read, so recording a transition costs one small object and no ``json.dumps``.
Payloads are never mutated after they are recorded (the engine copies on write).
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any, Final

from .._query.failures import StateFailed, to_json
from ..errors import RUNTIME

DEFAULT_EVENT_LIMIT: Final = 25_000
"""AWS's hard quota on a Standard execution's history."""

# The events that close an execution: the one that reaches the limit may still be recorded.
_CLOSING: Final = frozenset(
    {"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"}
)

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


class HistoryLimitReached(StateFailed):
    """The execution reached its maximum number of history events; it fails with this.

    Raised by the event that would exceed the limit, as AWS fails the execution there:
    ``States.Runtime``, which neither Retry nor Catch handles.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(
            RUNTIME, f"The execution reached the maximum number of history events ({limit})."
        )


class History:
    """An append-only list of events with AWS's id numbering, up to a limit of events.

    The event that would be number ``limit`` ends the execution instead, unless it is the one
    that closes the execution (recorded as number ``limit``, as AWS records it). Past that
    point events are no longer recorded, and recording one raises
    :class:`HistoryLimitReached`, except while an exception is already on its way up (a
    cancellation, a failure being unwound), which must not be replaced.
    """

    # Events are kept column by column, and become HistoryEvent objects only when read: an
    # execution records thousands, and each object would be one more for the garbage
    # collector to walk over and over for as long as the history is kept.
    __slots__ = ("_raws", "_times", "_types", "full", "limit")

    def __init__(self, limit: int = DEFAULT_EVENT_LIMIT) -> None:
        self._types: list[str] = []
        self._times: list[datetime] = []
        self._raws: list[dict[str, Any] | None] = []
        self.limit = limit
        self.full = False

    @property
    def events(self) -> list[HistoryEvent]:
        """The events, oldest first."""
        return [
            HistoryEvent(number, number - 1, kind, moment, raw)
            for number, kind, moment, raw in zip(
                range(1, len(self._types) + 1), self._types, self._times, self._raws, strict=True
            )
        ]

    @property
    def last_id(self) -> int:
        """The id of the newest event (0 when empty)."""
        return len(self._types)

    def add(
        self,
        event_type: str,
        timestamp: datetime,
        raw: dict[str, Any] | None = None,
    ) -> int:
        """Record an event; return its id.

        Raises:
            HistoryLimitReached: the history is full (see the class documentation).
        """
        types = self._types
        event_id = len(types) + 1
        if event_id >= self.limit and not (event_id == self.limit and event_type in _CLOSING):
            self.full = True
            if sys.exc_info()[1] is None:
                raise HistoryLimitReached(self.limit)
            return event_id - 1
        types.append(event_type)
        self._times.append(timestamp)
        self._raws.append(raw)
        return event_id
