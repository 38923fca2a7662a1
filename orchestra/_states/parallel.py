"""The Parallel state: every branch runs at once on the same input; outputs in branch order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._dataflow import compile_payload, compile_result_path
from .._interpreter import Program, run_program
from .._jsonata_flow import jsonata_arguments
from .._observability import BRANCH_SPAN, traced_jobs
from .._runtime import Visit
from .base import Outcome, Recovering
from .fanout import fan_out


class ParallelState(Recovering):
    """``Type: Parallel`` (branches compiled by the definition compiler)."""

    __slots__ = ("branches", "parameters", "result_path", "result_selector")

    failed_event = "ParallelStateFailed"

    def __init__(self, name: str, definition: Mapping[str, Any], branches: list[Program]) -> None:
        super().__init__(name, definition)
        self.branches = branches
        self.parameters = (
            jsonata_arguments(definition)
            if self.jsonata
            else compile_payload(definition, "Parameters")
        )
        self.result_selector = compile_payload(definition, "ResultSelector")
        self.result_path = compile_result_path(definition)

    async def run(self, data: Any, visit: Visit) -> Outcome:
        """Run the branches (retrying and catching as configured)."""
        effective = data if self.input_path is None else self.input_path(data, visit)
        if self.parameters is not None:
            effective = self.parameters(effective, visit)

        async def attempt(retry_count: int) -> Outcome:
            result = await self._run_branches(effective, visit)
            if self.jsonata:
                return self.finish(visit, result), self.next
            self.assign_from(result, visit)
            if self.result_selector is not None:
                result = self.result_selector(result, visit)
            output = result if self.result_path is None else self.result_path(data, result, visit)
            if self.output_path is not None:
                output = self.output_path(output, visit)
            return output, self.next

        return await self.recover(data, visit, attempt)

    async def _run_branches(self, effective: Any, visit: Visit) -> list[Any]:
        run = visit.run
        history = run.history
        history.add("ParallelStateStarted", run.clock.now())
        branches = self.branches

        async def branch(index: int) -> Any:
            return await run_program(branches[index], effective, run, visit.variables)

        job = traced_jobs(branch, BRANCH_SPAN, self.name, run)
        return await fan_out(len(branches), job, clock=run.clock)
