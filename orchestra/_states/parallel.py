"""The Parallel state: every branch runs at once on the same input; outputs in branch order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._dataflow import compile_payload
from .._interpreter import Program, run_program
from .._jsonata_flow import jsonata_arguments
from .._observability import BRANCH_SPAN, traced_jobs
from .._runtime import Visit
from .base import Outcome, Recovering
from .fanout import fan_out


class ParallelState(Recovering):
    """``Type: Parallel`` (branches compiled by the definition compiler)."""

    __slots__ = ("branches", "parameters")

    failed_event = "ParallelStateFailed"

    def __init__(self, name: str, definition: Mapping[str, Any], branches: list[Program]) -> None:
        super().__init__(name, definition)
        self.branches = branches
        self.parameters = (
            jsonata_arguments(definition)
            if self.jsonata
            else compile_payload(definition, "Parameters")
        )

    async def run(self, data: Any, visit: Visit) -> Outcome:
        """Run the branches (retrying and catching as configured)."""
        effective = data if self.input_path is None else self.input_path(data, visit)
        if self.parameters is not None:
            effective = self.parameters(effective, visit)

        async def attempt(retry_count: int) -> Outcome:
            return self.shape(data, await self._run_branches(effective, visit), visit)

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
