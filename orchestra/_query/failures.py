"""Failures as the engine carries them: an ASL error name and a cause.

A query (a path, a template, an expression) raises :class:`QueryFailure`, which the engine
words for the state it happened in; a state raises :class:`StateFailed`, which Retry, Catch
and the execution see.
"""

from __future__ import annotations

import json
from typing import Any, Final

# AWS's bounds on an error name and a cause (ExecutionFailedEventDetails, SendTaskFailure).
MAX_ERROR_LENGTH: Final = 256
MAX_CAUSE_LENGTH: Final = 32768


class StateFailed(Exception):
    """A state failed with an ASL error and cause (the engine's failure value, in flight).

    The error name and the cause are cut to the lengths AWS allows, so a failure that quotes
    a large input or comes from a verbose task stays within AWS's shapes.
    """

    def __init__(self, error: str | None, cause: str | None) -> None:
        self.error = error if error is None else error[:MAX_ERROR_LENGTH]
        self.cause = cause if cause is None else cause[:MAX_CAUSE_LENGTH]
        super().__init__(self.error, self.cause)


class QueryFailure(Exception):
    """Evaluating a path, template or expression failed.

    ``cause`` is AWS's cause text without the "An error occurred while executing the state ..."
    prefix, which the engine adds because only it knows the state and the event id.
    """

    def __init__(self, error: str, cause: str) -> None:
        self.error = error
        self.cause = cause
        super().__init__(f"{error}: {cause}")


def to_json(value: Any) -> str:
    """Serialise a payload the way AWS prints it in causes and history: compact, UTF-8."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def quoted(value: Any) -> str:
    """A value as AWS quotes it in a cause: text as it is, anything else as JSON."""
    return value if isinstance(value, str) else to_json(value)
