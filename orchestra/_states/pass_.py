"""The Pass state: passes its input on, or a fixed Result, or a payload template's value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._dataflow import compile_payload, compile_result_path, payload_growth, result_path_growth_of
from .._query.growth import IDENTITY, Growth, constant
from .._runtime import Visit
from .base import Outcome, State


class PassState(State):
    """``Type: Pass``."""

    __slots__ = ("has_result", "parameters", "result", "result_path")

    def __init__(self, name: str, definition: Mapping[str, Any]) -> None:
        super().__init__(name, definition)
        self.has_result = "Result" in definition
        self.result = definition.get("Result")
        self.parameters = compile_payload(definition, "Parameters")
        self.result_path = compile_result_path(definition)
        result: Growth = IDENTITY
        if self.has_result:
            result = constant(self.result)
        elif "Parameters" in definition:
            result = payload_growth(definition, "Parameters") or IDENTITY
        if not self.jsonata:
            growth = result_path_growth_of(definition, result)
            # None when the output is a part of the input: nothing to bound.
            self.grow = None if growth == IDENTITY else growth.compiled()

    async def run(self, data: Any, visit: Visit) -> Outcome:
        """Compute the state's output."""
        if self.jsonata:
            return self.finish(visit), self.next
        effective = data if self.input_path is None else self.input_path(data, visit)
        if self.parameters is not None:
            effective = self.parameters(effective, visit)
        result = self.result if self.has_result else effective
        self.assign_from(result, visit)
        output = result if self.result_path is None else self.result_path(data, result, visit)
        if self.output_path is not None:
            output = self.output_path(output, visit)
        return output, self.next
