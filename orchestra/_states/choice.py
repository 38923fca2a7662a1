"""The Choice state: the first matching rule picks the next state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import errors
from .._query.choice import ChoiceRuntimeError, Predicate
from .._query.failures import QueryFailure, to_json
from .base import State
from .dataflow import Selector
from .jsonata_flow import JsonataValue, compile_value
from .run import Outcome, Visit

_NO_MATCH = "Failed to transition out of the state. The state does not point to a next state."


class ChoiceState(State):
    """``Type: Choice`` (rules compiled by the definition compiler)."""

    __slots__ = ("conditions", "default", "rules")

    def __init__(
        self,
        name: str,
        definition: Mapping[str, Any],
        rules: list[tuple[Predicate, str, Selector | None]],
    ) -> None:
        super().__init__(name, definition)
        self.rules = rules
        self.default: str | None = definition.get("Default")
        self.conditions: list[
            tuple[JsonataValue, str, JsonataValue | None, JsonataValue | None]
        ] = []
        if self.jsonata:
            for index, rule in enumerate(definition.get("Choices", ())):
                assign = rule.get("Assign")
                output = rule.get("Output")
                self.conditions.append(
                    (
                        compile_value(rule["Condition"], f"Choices[{index}]/Condition"),
                        rule["Next"],
                        None if assign is None else compile_value(assign, "Assign"),
                        None if output is None else compile_value(output, "Output"),
                    )
                )

    def successors(self) -> tuple[str, ...]:
        """Every rule's target, and the default."""
        targets = [next_state for _, next_state, _ in self.rules]
        targets += [next_state for _, next_state, _, _ in self.conditions]
        if self.default is not None:
            targets.append(self.default)
        return tuple(targets)

    def _choose_jsonata(self, visit: Visit) -> Outcome:
        target = self.default
        assign = self.jsonata_assign
        output_value = self.jsonata_output
        for condition, next_state, rule_assign, rule_output in self.conditions:
            verdict = condition(visit)
            if not isinstance(verdict, bool):
                raise visit.fail(
                    QueryFailure(
                        errors.QUERY_EVALUATION_ERROR,
                        "The Condition field must evaluate to a boolean, but was: "
                        f"{to_json(verdict)}",
                    )
                )
            if verdict:
                target = next_state
                assign = rule_assign
                output_value = rule_output
                break
        if target is None:
            raise visit.fail(QueryFailure(errors.NO_CHOICE_MATCHED, _NO_MATCH))
        if assign is not None:
            visit.assigned = assign(visit)
        output = visit.input if output_value is None else output_value(visit)
        return output, target

    async def run(self, data: Any, visit: Visit) -> Outcome:
        """Pick the next state."""
        if self.jsonata:
            return self._choose_jsonata(visit)
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
            raise visit.fail(QueryFailure(errors.NO_CHOICE_MATCHED, _NO_MATCH))
        if assign is not None:
            visit.assigned = assign(effective, visit)
        output = effective if self.output_path is None else self.output_path(effective, visit)
        return output, target
