"""The Choice state: the first matching rule picks the next state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import errors
from .._dataflow import Selector
from .._query.choice import ChoiceRuntimeError, Predicate
from .._query.failures import QueryFailure
from .._runtime import Visit
from .base import Outcome, State


class ChoiceState(State):
    """``Type: Choice`` (rules compiled by the definition compiler)."""

    __slots__ = ("default", "rules")

    def __init__(
        self,
        name: str,
        definition: Mapping[str, Any],
        rules: list[tuple[Predicate, str, Selector | None]],
    ) -> None:
        super().__init__(name, definition)
        self.rules = rules
        self.default: str | None = definition.get("Default")

    async def run(self, data: Any, visit: Visit) -> Outcome:
        """Pick the next state."""
        effective = data if self.input_path is None else self.input_path(data, visit)
        target = self.default
        assign = self.assign
        try:
            for predicate, next_state, rule_assign in self.rules:
                if predicate(effective, visit.context, visit.variables):
                    target = next_state
                    assign = rule_assign
                    break
        except ChoiceRuntimeError as exc:
            raise visit.fail(QueryFailure(exc.error, exc.cause)) from None
        if target is None:
            raise visit.fail(
                QueryFailure(
                    errors.NO_CHOICE_MATCHED,
                    "Failed to transition out of the state. The state does not point to a next state.",
                )
            )
        if assign is not None:
            visit.assigned = assign(effective, visit)
        output = effective if self.output_path is None else self.output_path(effective, visit)
        return output, target
