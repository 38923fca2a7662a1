"""What every compiled state has, and Retry/Catch around a state's work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from .. import errors
from .._dataflow import (
    Merger,
    Selector,
    compile_payload,
    compile_result_path,
    compile_selector,
    error_output,
)
from .._jsonata_flow import ABSENT, JsonataValue, compile_value, is_jsonata
from .._retry import Catcher, ErrorMatcher, RetryState, compile_retriers, find_catcher
from .._runtime import StateFailed, Visit

Outcome = tuple[Any, str | None]


class State:
    """A compiled state. ``run`` returns ``(output, next state name or None at the end)``.

    Raises ``StateFailed`` when the state fails and nothing catches the failure.
    """

    __slots__ = (
        "assign",
        "definition",
        "end",
        "entered_event",
        "exited_event",
        "input_path",
        "jsonata",
        "jsonata_assign",
        "jsonata_output",
        "name",
        "next",
        "output_path",
        "type",
    )

    def __init__(self, name: str, definition: Mapping[str, Any]) -> None:
        self.name = name
        self.definition = definition
        self.type: str = definition["Type"]
        self.next: str | None = definition.get("Next")
        self.end: bool = bool(definition.get("End", False))
        self.entered_event = f"{self.type}StateEntered"
        self.exited_event: str | None = f"{self.type}StateExited"
        self.input_path: Selector | None = compile_selector(definition, "InputPath")
        self.output_path: Selector | None = compile_selector(definition, "OutputPath")
        self.jsonata = is_jsonata(definition)
        self.jsonata_assign: JsonataValue | None = None
        self.jsonata_output: JsonataValue | None = None
        if self.jsonata:
            self.assign: Selector | None = None
            if "Assign" in definition:
                self.jsonata_assign = compile_value(definition["Assign"], "Assign")
            if "Output" in definition:
                self.jsonata_output = compile_value(definition["Output"], "Output")
        else:
            self.assign = compile_payload(definition, "Assign")

    async def run(self, data: Any, visit: Visit) -> Outcome:
        """Run the state on its raw input."""
        raise NotImplementedError

    def assign_from(self, value: Any, visit: Visit) -> None:
        """Evaluate ``Assign`` against ``value`` (the state's result); applied after the state."""
        if self.assign is not None:
            visit.assigned = self.assign(value, visit)

    def finish(self, visit: Visit, result: Any = ABSENT) -> Any:
        """A JSONata state's Assign and Output, both from the same bindings; its output."""
        if self.jsonata_assign is not None:
            visit.assigned = self.jsonata_assign(visit, result)
        if self.jsonata_output is not None:
            return self.jsonata_output(visit, result)
        return visit.input if result is ABSENT else result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class Recovering(State):
    """A state with Retry and Catch (Task, Parallel, Map)."""

    __slots__ = ("catchers", "result_path", "result_selector", "retriers")

    # The event recorded when the state fails for good (after its last retry).
    failed_event: str | None = None

    def __init__(self, name: str, definition: Mapping[str, Any]) -> None:
        super().__init__(name, definition)
        self.retriers = compile_retriers(definition.get("Retry"))
        self.result_selector: Selector | None = compile_payload(definition, "ResultSelector")
        self.result_path: Merger | None = compile_result_path(definition)
        self.catchers = tuple(self._catcher(rule) for rule in definition.get("Catch") or ())

    def _catcher(self, rule: Mapping[str, Any]) -> Catcher:
        matcher = ErrorMatcher(frozenset(rule["ErrorEquals"]))
        if self.jsonata:
            return Catcher(
                matcher=matcher,
                next=rule["Next"],
                result_path=None,
                assign=compile_value(rule["Assign"], "Assign") if "Assign" in rule else None,
                output=compile_value(rule["Output"], "Output") if "Output" in rule else None,
            )
        return Catcher(
            matcher=matcher,
            next=rule["Next"],
            result_path=compile_result_path(rule),
            assign=compile_payload(rule, "Assign"),
        )

    def shape(self, data: Any, result: Any, visit: Visit) -> Outcome:
        """The result's way to the output: Assign beside ResultSelector, then ResultPath and
        OutputPath (or, in JSONata, Assign and Output from the same bindings)."""
        if self.jsonata:
            return self.finish(visit, result), self.next
        self.assign_from(result, visit)
        if self.result_selector is not None:
            result = self.result_selector(result, visit)
        output = result if self.result_path is None else self.result_path(data, result, visit)
        if self.output_path is not None:
            output = self.output_path(output, visit)
        return output, self.next

    async def recover(
        self,
        data: Any,
        visit: Visit,
        attempt: Callable[[int], Awaitable[Outcome]],
    ) -> Outcome:
        """Run ``attempt(retry_count)`` under this state's Retry and Catch rules."""
        retry = RetryState(self.retriers) if self.retriers else None
        run = visit.run
        while True:
            try:
                return await attempt(retry.total if retry is not None else 0)
            except StateFailed as failure:
                if retry is not None:
                    delay = retry.next_delay(failure.error, run.rng)
                    if delay is not None:
                        await run.clock.sleep(delay)
                        continue
                if self.failed_event is not None and failure.error != errors.RUNTIME:
                    run.history.add(self.failed_event, run.clock.now())
                catcher = find_catcher(self.catchers, failure.error)
                if catcher is None:
                    raise
                return self._caught(catcher, data, visit, failure)

    def _caught(self, catcher: Catcher, data: Any, visit: Visit, failure: StateFailed) -> Outcome:
        result = error_output(failure.error, failure.cause)
        if self.jsonata:
            if catcher.assign is not None:
                visit.assigned = catcher.assign(visit, error_output=result)
            if catcher.output is not None:
                return catcher.output(visit, error_output=result), catcher.next
            return result, catcher.next
        if catcher.assign is not None:
            visit.assigned = catcher.assign(result, visit)
        merge: Merger | None = catcher.result_path
        output = result if merge is None else merge(data, result, visit)
        return output, catcher.next
