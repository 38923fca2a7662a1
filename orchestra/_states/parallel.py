"""The Parallel state: every branch runs at once on the same input; outputs in branch order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._query.jsondata import Size
from .._store.events import ParallelStateFailed, ParallelStateStarted
from .base import Arguments, Outcome, Recovering
from .fanout import fan_out
from .program import Program, run_program
from .run import Visit


class ParallelState(Recovering):
    """``Type: Parallel`` (branches compiled by the definition compiler)."""

    __slots__ = ("arguments", "branches")

    failed_event = ParallelStateFailed

    def __init__(self, name: str, definition: Mapping[str, Any], branches: list[Program]) -> None:
        super().__init__(name, definition)
        self.branches = branches
        self.arguments = Arguments(definition, jsonata=self.jsonata)

    async def run(self, data: Any, visit: Visit) -> Outcome:
        """Run the branches (retrying and catching as configured)."""
        effective = data if self.input_path is None else self.input_path(data, visit)
        effective, size = self.arguments.evaluate(effective, visit, self.name)

        async def attempt(retry_count: int) -> Outcome:
            results, result_size = await self._run_branches(effective, size, visit)
            return self.shape(data, results, visit, result_size)

        return await self.recover(data, visit, attempt)

    async def _run_branches(
        self, effective: Any, size: Size, visit: Visit
    ) -> tuple[list[Any], Size]:
        run = visit.run
        history = run.history
        history.add(ParallelStateStarted(run.clock.now()))
        branches = self.branches

        sizes = [0] * len(branches)
        depths = [0] * len(branches)
        limit = run.settings.payload_limit
        # Branches whose every state stays within the limits whatever they do need no bounds.
        peaks = [
            program.peak
            if program.peak is not None and program.peak.within(size.bytes, size.depth, limit)
            else None
            for program in branches
        ]

        async def branch(index: int) -> Any:
            peak = peaks[index]
            output, sizes[index], depths[index], _ = await run_program(
                branches[index], effective, run, size, visit.variables, tracked=peak is None
            )
            if peak is not None:
                sizes[index] = peak.size(size.bytes)
                depths[index] = size.depth + peak.deeper
            return output

        job = branch if run.tracing is None else run.tracing.jobs(branch, "branch", self.name, run)
        outputs = await fan_out(len(branches), job, clock=run.clock)
        return outputs, Size(1 + len(outputs) + sum(sizes), max(depths, default=0) + 1)
