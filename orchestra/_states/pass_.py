"""The Pass state: passes its input on, or a fixed Result, or a payload template's value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import errors
from .._dataflow import compile_payload, compile_result_path
from .._query.failures import to_json
from .._runtime import StateFailed, Visit
from .base import Outcome, State


class PassState(State):
    """``Type: Pass``."""

    __slots__ = ("has_result", "parameters", "result", "result_path", "result_size")

    def __init__(self, name: str, definition: Mapping[str, Any]) -> None:
        super().__init__(name, definition)
        self.has_result = "Result" in definition
        self.result = definition.get("Result")
        self.result_size = len(to_json(self.result).encode()) if self.has_result else 0
        self.parameters = compile_payload(definition, "Parameters")
        self.result_path = compile_result_path(definition)

    async def run(self, data: Any, visit: Visit) -> Outcome:
        """Compute the state's output."""
        if self.jsonata:
            return self.finish(visit), self.next
        effective = data if self.input_path is None else self.input_path(data, visit)
        if self.parameters is not None:
            effective = self.parameters(effective, visit)
        if self.has_result:
            if self.result_size > visit.run.settings.payload_limit:
                raise StateFailed(
                    errors.DATA_LIMIT_EXCEEDED,
                    f"The state/task '{self.name}' returned a result with a size exceeding the "
                    "maximum number of bytes service limit.",
                )
            result = self.result
        else:
            result = effective
        self.assign_from(result, visit)
        output = result if self.result_path is None else self.result_path(data, result, visit)
        if self.output_path is not None:
            output = self.output_path(output, visit)
        return output, self.next
