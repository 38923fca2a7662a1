"""What every compiled state has, and Retry/Catch around a state's work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from .. import errors
from .._query.growth import UNCHANGED, UNKNOWN, Affine, Bound, Growth, Merge
from .._query.jsondata import Size, depth_of, measure
from .._store.events import MapStateFailed, ParallelStateFailed
from .dataflow import (
    Merger,
    Selector,
    compile_payload,
    compile_result_bound,
    compile_result_path,
    compile_selector,
    error_output,
    payload_growth,
)
from .guards import StateFailed, checked
from .jsonata_flow import ABSENT, JsonataValue, compile_value, is_jsonata
from .retry import Catcher, ErrorMatcher, RetryState, compile_retriers, find_catcher
from .run import Visit

Outcome = tuple[Any, str | None]


class State:
    """A compiled state. ``run`` returns ``(output, next state name or None at the end)``.

    Raises ``StateFailed`` when the state fails and nothing catches the failure. A state whose
    output is not a part of its input bounds the output's size and depth: statically with
    ``grow``, or by setting ``visit.size`` and ``visit.depth`` as it runs.
    """

    __slots__ = (
        "affine",
        "assign",
        "definition",
        "end",
        "exits",
        "grow",
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
        # How the output's size relates to the input's, when the definition alone tells it
        # (see Growth.compiled); None when the state sets ``visit.size`` itself, or when its
        # output is a part of its input.
        self.grow: Bound | None = None
        # Whether leaving the state is recorded (a Fail state only fails).
        self.exits = True
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
        # What the state can do to its input's size, whatever the run; None when that
        # depends on the run (a task's result, a JSONata Output). See Program.peak.
        self.affine: Affine | None = None
        if self.type in ("Choice", "Wait", "Succeed") and self.jsonata_output is None:
            self.affine = UNCHANGED

    def successors(self) -> tuple[str, ...]:
        """The states this one may transition to."""
        return () if self.next is None else (self.next,)

    async def run(self, data: Any, visit: Visit) -> Outcome:
        """Run the state on its raw input."""
        raise NotImplementedError

    def assign_from(self, value: Any, visit: Visit) -> None:
        """Evaluate ``Assign`` against ``value`` (the state's result); applied after the state."""
        if self.assign is not None:
            visit.assigned = self.assign(value, visit)

    def finish(self, visit: Visit, result: Any = ABSENT, result_size: Size | None = None) -> Any:
        """A JSONata state's Assign and Output, both from the same bindings; its output.

        Raises ``visit.size``/``visit.depth`` to bound the output: an Output's by what its
        expressions may yield, a result's by its own bound (``result_size``).
        """
        if self.jsonata_assign is not None:
            visit.assigned = self.jsonata_assign(visit, result)
        if self.jsonata_output is not None:
            output = self.jsonata_output(visit, result)
            visit.size = visit.inner = self.jsonata_output.bound(visit.run.settings.payload_limit)
            visit.depth = depth_of(output)
            return output
        if result is ABSENT:
            return visit.input
        if result_size is not None:
            visit.size = visit.inner = result_size.bytes
            visit.depth = result_size.depth
        return result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class Arguments:
    """Parameters (JSONPath) or Arguments (JSONata): the input a Task or a Parallel hands to
    its work. It is a payload too, held to the same limits as a state's output."""

    __slots__ = ("_bound", "_build")

    def __init__(self, definition: Mapping[str, Any], *, jsonata: bool) -> None:
        self._bound: Growth | JsonataValue | None
        if jsonata:
            value = definition.get("Arguments")
            template = None if value is None else compile_value(value, "Arguments")
            self._bound = template
            self._build = None if template is None else template.selector()
        else:
            self._build = compile_payload(definition, "Parameters")
            self._bound = payload_growth(definition, "Parameters")

    def evaluate(self, data: Any, visit: Visit, who: str) -> tuple[Any, Size]:
        """The work's input built from ``data`` (the effective input), and its size.

        Raises:
            StateFailed: ``States.DataLimitExceeded`` naming ``who``, or a template's failure.
        """
        if self._build is None:
            return data, Size(visit.size, visit.depth)
        value = self._build(data, visit)
        limit = visit.run.settings.payload_limit
        bound = self._bound
        if isinstance(bound, JsonataValue):  # each expression is held to the limit
            size, depth = bound.bound(limit), UNKNOWN
        else:
            assert bound is not None
            size, depth = bound.apply(visit.size, visit.depth, visit.inner, limit)
        return value, checked(who, value, size, depth, limit)


class Recovering(State):
    """A state with Retry and Catch (Task, Parallel, Map)."""

    __slots__ = (
        "catchers",
        "result_bound",
        "result_path",
        "result_selector",
        "result_selector_growth",
        "retriers",
    )

    # The event recorded when the state fails for good (after its last retry).
    failed_event: type[MapStateFailed | ParallelStateFailed] | None = None

    def __init__(self, name: str, definition: Mapping[str, Any]) -> None:
        super().__init__(name, definition)
        self.retriers = compile_retriers(definition.get("Retry"))
        self.result_selector: Selector | None = compile_payload(definition, "ResultSelector")
        self.result_selector_growth: Growth | None = payload_growth(definition, "ResultSelector")
        self.result_path: Merger | None = compile_result_path(definition)
        self.result_bound: Merge | None = compile_result_bound(definition)
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
            result_bound=compile_result_bound(rule),
        )

    def shape(self, data: Any, result: Any, visit: Visit, result_size: Size) -> Outcome:
        """The result's way to the output: Assign beside ResultSelector, then ResultPath and
        OutputPath (or, in JSONata, Assign and Output from the same bindings).

        ``result_size`` bounds the result; the output's bound goes to ``visit``.
        """
        if self.jsonata:
            return self.finish(visit, result, result_size), self.next
        self.assign_from(result, visit)
        size, depth = result_size
        if self.result_selector is not None:
            result = self.result_selector(result, visit)
            assert self.result_selector_growth is not None
            # The selector reads the result: the result bounds the values inside it too.
            size, depth = self.result_selector_growth.apply(
                size, depth, size, visit.run.settings.payload_limit
            )
        output = result if self.result_path is None else self.result_path(data, result, visit)
        if self.output_path is not None:
            output = self.output_path(output, visit)
        if self.result_bound is not None:
            visit.size, visit.depth, visit.inner = self.result_bound(
                visit.size, visit.depth, visit.inner, size, depth
            )
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
                    run.history.add(self.failed_event(run.clock.now()))
                catcher = find_catcher(self.catchers, failure.error)
                if catcher is None:
                    raise
                return self._caught(catcher, data, visit, failure)

    def _caught(self, catcher: Catcher, data: Any, visit: Visit, failure: StateFailed) -> Outcome:
        result = error_output(failure.error, failure.cause)
        size, depth = measure(result, limit=visit.run.settings.payload_limit)
        if self.jsonata:
            if catcher.assign is not None:
                visit.assigned = catcher.assign(visit, error_output=result)
            if catcher.output is not None:
                output = catcher.output(visit, error_output=result)
                visit.size = visit.inner = catcher.output.bound(visit.run.settings.payload_limit)
                visit.depth = depth_of(output)
                return output, catcher.next
            visit.size, visit.depth, visit.inner = size, depth, size
            return result, catcher.next
        if catcher.assign is not None:
            visit.assigned = catcher.assign(result, visit)
        merge: Merger | None = catcher.result_path
        output = result if merge is None else merge(data, result, visit)
        if catcher.result_bound is not None:
            visit.size, visit.depth, visit.inner = catcher.result_bound(
                visit.size, visit.depth, visit.inner, size, depth
            )
        return output, catcher.next
