"""The failure a query raises while a state evaluates it: an ASL error name and a cause."""

from __future__ import annotations

import json
from typing import Any


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
