"""The Pass state: passes its input on, or a fixed Result, or a payload template's value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._query.growth import IDENTITY, UNCHANGED, Growth, affine_of, constant, output_bound
from .._query.paths import compile_reference_path
from .base import State
from .dataflow import compile_payload, compile_result_path, payload_growth
from .run import Outcome, Visit


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
        target = definition.get("ResultPath", "$")
        # Nothing to bound when the output is the input or a part of it (ResultPath null,
        # or the input itself as the result); ResultPath "$.copy" alone doubles it.
        if self.jsonata:
            self.affine = None if self.jsonata_output is not None else UNCHANGED
        elif target is None or (target == "$" and result == IDENTITY):
            self.affine = UNCHANGED
        else:
            steps = None if target == "$" else compile_reference_path(target).steps
            self.grow = output_bound(result, steps)
            self.affine = affine_of(result, steps)

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
