"""The Parallel state: every branch runs at once on the same input; outputs in branch order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._dataflow import compile_payload, payload_growth
from .._interpreter import Program, checked, run_program
from .._jsonata_flow import JsonataValue, compile_value
from .._observability import BRANCH_SPAN, traced_jobs
from .._query.growth import UNKNOWN, Growth
from .._query.jsondata import Size
from .._runtime import Visit
from .base import Outcome, Recovering
from .fanout import fan_out


class ParallelState(Recovering):
    """``Type: Parallel`` (branches compiled by the definition compiler)."""

    __slots__ = ("branches", "parameters", "parameters_growth")

    failed_event = "ParallelStateFailed"

    def __init__(self, name: str, definition: Mapping[str, Any], branches: list[Program]) -> None:
        super().__init__(name, definition)
        self.branches = branches
        self.parameters_growth: Growth | JsonataValue | None
        if self.jsonata:
            arguments = definition.get("Arguments")
            self.parameters_growth = (
                None if arguments is None else compile_value(arguments, "Arguments")
            )
            self.parameters = (
                None if self.parameters_growth is None else self.parameters_growth.selector()
            )
        else:
            self.parameters = compile_payload(definition, "Parameters")
            self.parameters_growth = payload_growth(definition, "Parameters")

    async def run(self, data: Any, visit: Visit) -> Outcome:
        """Run the branches (retrying and catching as configured)."""
        effective = data if self.input_path is None else self.input_path(data, visit)
        size = Size(visit.size, visit.depth)
        if self.parameters is not None:
            effective = self.parameters(effective, visit)
            size = self._parameters_size(effective, visit)

        async def attempt(retry_count: int) -> Outcome:
            results, result_size = await self._run_branches(effective, size, visit)
            return self.shape(data, results, visit, result_size)

        return await self.recover(data, visit, attempt)

    def _parameters_size(self, effective: Any, visit: Visit) -> Size:
        """The branches' input is a payload too: held to the limits as a state's input."""
        limit = visit.run.settings.payload_limit
        growth = self.parameters_growth
        if isinstance(growth, JsonataValue):
            size, depth = growth.bound(limit), UNKNOWN
        else:
            assert growth is not None
            size, depth = growth.apply(visit.size, visit.depth, limit)
        return checked(self.name, effective, size, depth, limit)

    async def _run_branches(
        self, effective: Any, size: Size, visit: Visit
    ) -> tuple[list[Any], Size]:
        run = visit.run
        history = run.history
        history.add("ParallelStateStarted", run.clock.now())
        branches = self.branches

        async def branch(index: int) -> tuple[Any, Size]:
            return await run_program(branches[index], effective, run, size, visit.variables)

        job = traced_jobs(branch, BRANCH_SPAN, self.name, run)
        outcomes = await fan_out(len(branches), job, clock=run.clock)
        total = 1 + len(outcomes)
        deepest = 0
        for _, (bytes_, depth) in outcomes:
            total += bytes_
            deepest = max(deepest, depth)
        return [output for output, _ in outcomes], Size(total, deepest + 1)
