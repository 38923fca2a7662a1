"""Succeed and Fail: the states that end a run."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._query.failures import to_json
from .._query.growth import Affine
from .._query.jsonata import is_expression
from .base import State
from .dataflow import compile_dynamic_field
from .guards import StateFailed
from .jsonata_flow import compile_value, is_jsonata
from .run import Outcome, Visit


class SucceedState(State):
    """``Type: Succeed``: ends the run (or branch) successfully."""

    __slots__ = ()

    async def run(self, data: Any, visit: Visit) -> Outcome:
        """Pass the (filtered) input on as the final output."""
        if self.jsonata:
            return self.finish(visit), None
        output = data if self.input_path is None else self.input_path(data, visit)
        if self.output_path is not None:
            output = self.output_path(output, visit)
        return output, None


def _compile_text(definition: Mapping[str, Any], field: str) -> Callable[[Any, Visit], Any]:
    """Error/ErrorPath or Cause/CausePath as one reader."""
    constant = definition.get(field)
    if is_jsonata(definition) and is_expression(constant):
        evaluate = compile_value(constant, field)
        return lambda data, visit: evaluate(visit)
    read = compile_dynamic_field(definition, f"{field}Path")
    if read is None:
        return lambda data, visit: constant
    return read


class FailState(State):
    """``Type: Fail``: ends the run with an error and a cause."""

    __slots__ = ("cause", "error")

    def __init__(self, name: str, definition: Mapping[str, Any]) -> None:
        super().__init__(name, definition)
        self.exits = False
        self.affine = Affine(0, 0, 0)
        self.error = _compile_text(definition, "Error")
        self.cause = _compile_text(definition, "Cause")

    async def run(self, data: Any, visit: Visit) -> Outcome:
        """Fail with the configured error and cause."""
        error = self.error(data, visit)
        cause = self.cause(data, visit)
        raise StateFailed(
            error if error is None or isinstance(error, str) else to_json(error),
            cause if cause is None or isinstance(cause, str) else to_json(cause),
        )
