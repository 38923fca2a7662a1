"""The Map state: run an item processor over every item of an array, within a limit.

Inline mode runs the iterations inside the execution; distributed mode runs each iteration
as its own child run with its own history, and records MapRun events in the parent's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Final

from .. import errors
from .._query.failures import QueryFailure, quoted, to_json
from .._query.growth import UNKNOWN, Growth
from .._query.jsonata import expression_body, is_expression
from .._query.jsondata import Size, depth_of, measure
from .._query.templates import template_growth
from .._store.events import (
    MapIterationAborted,
    MapIterationFailed,
    MapIterationStarted,
    MapIterationSucceeded,
    MapRunFailed,
    MapRunStarted,
    MapRunSucceeded,
    MapStateFailed,
    MapStateStarted,
    MapStateSucceeded,
)
from .._store.history import History
from .base import Outcome, Recovering
from .dataflow import compile_number_field, compile_payload, compile_selector, error_output
from .fanout import fan_out
from .guards import StateFailed, checked
from .jsonata_flow import JsonataValue, compile_value
from .program import Program, run_program
from .run import Run, Visit

_THRESHOLD_EXCEEDED: Final = "The specified tolerated failure threshold was exceeded"
# What an ItemBatcher's {"Items": [...]} wrapper adds around a slice of the items.
_BATCH_BYTES: Final = 16


class MapState(Recovering):
    """``Type: Map`` (the item processor is compiled by the definition compiler)."""

    __slots__ = (
        "_item_selector_reads_context",
        "_items_bound",
        "_selector_value",
        "distributed",
        "item_reader",
        "item_selector",
        "item_selector_growth",
        "items_path",
        "max_concurrency",
        "max_items_per_batch",
        "processor",
        "result_writer",
        "tolerated_count",
        "tolerated_percentage",
    )

    failed_event = MapStateFailed

    def __init__(self, name: str, definition: Mapping[str, Any], processor: Program) -> None:
        super().__init__(name, definition)
        self.processor = processor
        processor_definition = definition.get("ItemProcessor") or definition.get("Iterator") or {}
        config = processor_definition.get("ProcessorConfig") or {}
        self.distributed = config.get("Mode") == "DISTRIBUTED"
        selector_field = "ItemSelector" if "ItemSelector" in definition else "Parameters"
        self._items_bound: Callable[[int], int] | None = None
        self._selector_value: JsonataValue | None = None
        self.items_path: Callable[[Any, Visit], Any] | None = None
        if self.jsonata:
            if "Items" in definition:
                items = compile_value(definition["Items"], "Items")
                self.items_path = _jsonata_items(definition["Items"], items)
                self._items_bound = items.bound
            self._selector_value = _jsonata_selector(definition)
            self.item_selector = (
                None if self._selector_value is None else self._selector_value.selector()
            )
            self._item_selector_reads_context = True
        else:
            self.items_path = compile_selector(definition, "ItemsPath")
            self.item_selector = compile_payload(definition, selector_field)
            self._item_selector_reads_context = "$$" in json.dumps(definition.get(selector_field))
        self.item_selector_growth: Growth | None = (
            None
            if self.jsonata or selector_field not in definition
            else template_growth(definition[selector_field], item_is_input=True)
        )
        self.max_concurrency = _number_field(definition, "MaxConcurrency", "integer")
        self.tolerated_count = _number_field(definition, "ToleratedFailureCount", "integer")
        self.tolerated_percentage = _number_field(definition, "ToleratedFailurePercentage", "float")
        self.item_reader = definition.get("ItemReader")
        self.result_writer = definition.get("ResultWriter")
        batcher = definition.get("ItemBatcher") or {}
        self.max_items_per_batch = batcher.get("MaxItemsPerBatch")

    async def run(self, data: Any, visit: Visit) -> Outcome:
        """Map the items (retrying and catching as configured)."""
        effective = data if self.input_path is None else self.input_path(data, visit)

        async def attempt(retry_count: int) -> Outcome:
            results, size = await self._map(effective, visit)
            return self.shape(data, results, visit, size)

        return await self.recover(data, visit, attempt)

    async def _map(self, effective: Any, visit: Visit) -> tuple[list[Any], Size]:
        run = visit.run
        history = run.history
        now = run.clock.now
        limit = self.max_concurrency(effective, visit) if self.max_concurrency else 0
        if self.item_reader is not None:
            raise StateFailed(
                errors.ITEM_READER_FAILED,
                f"State '{self.name}': reading Map items with an ItemReader is not supported yet",
            )
        if self.result_writer is not None:
            raise StateFailed(
                errors.RESULT_WRITER_FAILED,
                f"State '{self.name}': writing Map results with a ResultWriter is not supported yet",
            )
        items = effective if self.items_path is None else self.items_path(effective, visit)
        if not isinstance(items, list):
            raise visit.fail(
                QueryFailure(
                    errors.QUERY_EVALUATION_ERROR if self.jsonata else errors.RUNTIME,
                    f"Map state input must be an array but was: {to_json(items)}",
                )
            )
        item_size = self._item_size(items, visit)
        # The items share out the list between them: their sizes add up to its size.
        all_items = item_size.bytes
        if self.max_items_per_batch is not None:
            size = max(1, int(self.max_items_per_batch))
            items = [{"Items": items[k : k + size]} for k in range(0, len(items), size)]
            item_size = Size(item_size.bytes + _BATCH_BYTES, item_size.depth + 2)
            all_items += _BATCH_BYTES * len(items)
        history.add(MapStateStarted(now(), len(items)))
        tolerate = self._tolerance(effective, visit, len(items))
        if self.distributed:
            history.add(MapRunStarted(now()))
        # Bounds on each iteration's output, by index (plain ints: no object per item).
        sizes = [0] * len(items)
        depths = [0] * len(items)
        # When no state of any iteration can pass the limits, the iterations need no bounds.
        peak = None if self.item_selector is not None else self.processor.peak
        if peak is not None and not peak.within(
            item_size.bytes, item_size.depth, run.settings.payload_limit
        ):
            peak = None
        iterate = self._iteration(
            effective, items, item_size, visit, sizes, depths, tracked=peak is None
        )
        job = (
            iterate
            if run.tracing is None
            else run.tracing.jobs(iterate, "iteration", self.name, run)
        )
        payload_limit = run.settings.payload_limit

        tolerated_bytes = 0

        def tolerated(index: int, failed: StateFailed) -> Any:
            nonlocal tolerated_bytes
            output = error_output(failed.error, failed.cause)
            size = measure(output, limit=payload_limit)
            sizes[index], depths[index] = size
            tolerated_bytes += size.bytes
            return output

        try:
            results = await fan_out(
                len(items),
                job,
                clock=run.clock,
                limit=limit,
                tolerate=tolerate,
                on_tolerated=tolerated,
            )
        except StateFailed as failed:
            if self.distributed:
                history.add(MapRunFailed(now(), failed.error, failed.cause))
            if tolerate is not None:
                raise StateFailed(
                    errors.EXCEED_TOLERATED_FAILURE_THRESHOLD, _THRESHOLD_EXCEEDED
                ) from None
            raise
        if self.distributed:
            history.add(MapRunSucceeded(now()))
        history.add(MapStateSucceeded(now()))
        if peak is None:
            return results, Size(1 + len(results) + sum(sizes), max(depths, default=0) + 1)
        # Each iteration's output is at most scale * its item + extra, and the items add up
        # to the list: much less than each iteration's bound added up.
        total = 1 + len(results) * (1 + peak.extra) + peak.scale * all_items + tolerated_bytes
        deepest = max(item_size.depth + peak.deeper, max(depths, default=0))
        return results, Size(total, deepest + 1)

    def _item_size(self, items: list[Any], visit: Visit) -> Size:
        """A bound on each item: a part of the input, or of what ``Items`` evaluated to."""
        if self.jsonata and self._items_bound is not None:
            return Size(self._items_bound(visit.run.settings.payload_limit), depth_of(items))
        return Size(visit.size, visit.depth)

    def _iteration(
        self,
        effective: Any,
        items: list[Any],
        item_size: Size,
        visit: Visit,
        sizes: list[int],
        depths: list[int],
        *,
        tracked: bool,
    ) -> Callable[[int], Any]:
        run = visit.run
        processor = self.processor
        selector = self.item_selector
        reads_context = self._item_selector_reads_context
        name = self.name
        distributed = self.distributed
        limit = run.settings.payload_limit
        if selector is None:
            input_size = item_size
        elif self._selector_value is not None:
            input_size = Size(self._selector_value.bound(limit), UNKNOWN)
        else:
            assert self.item_selector_growth is not None
            # The selector reads the Map's input and the item; either bounds both.
            size = max(visit.size, item_size.bytes)
            input_size = Size(
                *self.item_selector_growth.apply(
                    size, max(visit.depth, item_size.depth), size, limit
                )
            )

        async def iterate(index: int) -> Any:
            item = items[index]
            size = input_size
            if selector is None:
                iteration_input = item
            else:
                if reads_context:
                    context = dict(visit.context)
                    context["Map"] = {"Item": {"Index": index, "Value": item}}
                    scoped = Visit(run, name, visit.entered_id, visit.entered_time, visit.variables)
                    scoped._context = context
                    scoped.input = visit.input
                    iteration_input = selector(effective, scoped)
                else:
                    iteration_input = selector(effective, visit)
                size = checked(name, iteration_input, size.bytes, size.depth, limit)
            if distributed:
                child = _child_run(run, name, index)
                # A distributed iteration is a child workflow: it sees no outer variables.
                output, sizes[index], depths[index], _ = await run_program(
                    processor, iteration_input, child, size, tracked=tracked
                )
                return output
            history = run.history
            # The iteration starts as its first state is entered, and ends as its last is
            # left: one clock reading each.
            started = run.clock.now()
            history.add(MapIterationStarted(started, name, index))
            try:
                output, sizes[index], depths[index], ended = await run_program(
                    processor, iteration_input, run, size, visit.variables, started, tracked
                )
            except StateFailed:
                history.add(MapIterationFailed(run.clock.now(), name, index))
                raise
            except BaseException:
                history.add(MapIterationAborted(run.clock.now(), name, index))
                raise
            history.add(MapIterationSucceeded(ended, name, index))
            return output

        return iterate

    def _tolerance(self, effective: Any, visit: Visit, total: int) -> Callable[[int], bool] | None:
        count = self.tolerated_count(effective, visit) if self.tolerated_count else None
        if count is not None and count < 0:
            raise visit.fail(
                QueryFailure(errors.RUNTIME, "ToleratedFailureCount cannot be negative.")
            )
        percentage = (
            self.tolerated_percentage(effective, visit) if self.tolerated_percentage else None
        )
        if percentage is not None and not 0 <= percentage <= 100:
            raise visit.fail(
                QueryFailure(
                    errors.RUNTIME, "ToleratedFailurePercentage must be between 0 and 100."
                )
            )
        if count is None and percentage is None:
            return None

        def tolerated(failures: int) -> bool:
            if count is not None and failures > count:
                return False
            return not (percentage is not None and total and failures * 100 / total > percentage)

        return tolerated


def _child_run(parent: Run, state_name: str, index: int) -> Run:
    """A distributed Map iteration's own run: its own history, the parent's everything else."""
    # The iterations draw from the parent's random source, as every state of a run does.
    return replace(
        parent,
        random_source=parent.rng,
        history=History(limit=parent.history.limit),
        execution_name=f"{parent.execution_name}/{state_name}/{index}",
    )


def _jsonata_items(value: Any, evaluate: JsonataValue) -> Callable[[Any, Visit], Any]:
    """JSONata ``Items`` (``value``, compiled as ``evaluate``): an array, or an expression that
    must yield one."""
    body = expression_body(value) if is_expression(value) else None

    def items(data: Any, visit: Visit) -> Any:
        found = evaluate(visit)
        if body is not None and not isinstance(found, list):
            raise visit.fail(
                QueryFailure(
                    errors.QUERY_EVALUATION_ERROR,
                    f"The JSONata expression '{body}' specified for the field 'Items' returned an "
                    f"unexpected result type. Expected 'array', but was '{_jsonata_type(found)}' "
                    f"for value: {to_json(found)}",
                )
            )
        return found

    return items


def _jsonata_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    return "null" if value is None else "array"


def _jsonata_selector(definition: Mapping[str, Any]) -> JsonataValue | None:
    """JSONata ``ItemSelector``: sees ``$states.context.Map.Item`` of each item."""
    if "ItemSelector" not in definition:
        return None
    return compile_value(definition["ItemSelector"], "ItemSelector")


def _number_field(
    definition: Mapping[str, Any], field: str, kind: str
) -> Callable[[Any, Visit], Any] | None:
    """A number given literally, as a JSONata expression, or by ``{field}Path``."""

    def read_path(value: Any, text: str) -> int | float:
        number = _as_number(value, kind)
        if number is None:
            raise QueryFailure(
                errors.RUNTIME,
                f'The {field}Path field refers to value "{quoted(value)}" which is not a valid {kind}: {text}',
            )
        return number

    integer = kind == "integer"
    return compile_number_field(
        definition, field, int if integer else float, read_path, integer=integer
    )


def _as_number(value: Any, kind: str) -> int | float | None:
    """The value as AWS reads it for a ``...Path`` number: numbers, or text that parses."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (kind == "float" and isinstance(value, float)):
        return value
    if isinstance(value, str):
        try:
            return int(value) if kind == "integer" else float(value)
        except ValueError:
            return None
    return None
