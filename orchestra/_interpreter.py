"""The interpreter loop: enter a state, run it, record it, follow its transition."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Final, cast

from anyio import get_cancelled_exc_class
from anyio.lowlevel import checkpoint

from ._observability import state_failed
from ._runtime import Run, StateFailed, Visit
from ._states.base import State

# Yield to the event loop every so many transitions: a long loop of instant states must stay
# cancellable and must not starve other executions, but a checkpoint per state costs time.
_CHECKPOINT_EVERY: Final = 64


@dataclass(frozen=True, slots=True)
class Program:
    """A compiled state graph: a machine's top level, a Parallel branch or a Map processor."""

    start_at: str
    states: Mapping[str, State]


async def run_program(
    program: Program, data: Any, run: Run, outer: Mapping[str, Any] | None = None
) -> Any:
    """Run ``program`` on ``data`` to its end; return the final output.

    Args:
        program: the states to run.
        data: the input of the first state.
        run: the execution's runtime.
        outer: the variables of the enclosing scope (a branch or iteration sees them).

    Raises:
        StateFailed: a state failed and nothing caught it.
    """
    # Variables assigned here live in this scope only; nothing leaks out of a branch.
    local: dict[str, Any] = {}
    variables: Mapping[str, Any] = (
        local if outer is None else ChainMap(local, cast("MutableMapping[str, Any]", outer))
    )
    states = program.states
    state = states[program.start_at]
    history = run.history
    now = run.clock.now
    tracing = run.tracing
    transitions = 0
    while True:
        entered_time = now()
        entered_id = history.add(
            state.entered_event, entered_time, {"name": state.name, "input": data}
        )
        visit = Visit(run, state.name, entered_id, entered_time, variables)
        visit.input = data
        try:
            if tracing is None:
                output, next_name = await state.run(data, visit)
            else:
                output, next_name = await tracing.state(state, data, visit)
        except get_cancelled_exc_class():
            # A sibling's failure or a stop cancelled this run: AWS records the state aborted.
            history.add(f"{state.type}StateAborted", now(), {"name": state.name})
            raise
        except StateFailed as failure:
            state_failed(run, state, failure)
            raise
        if visit.assigned is not None:
            local.update(visit.assigned)
        if state.exited_event is not None:
            history.add(state.exited_event, now(), {"name": state.name, "output": output})
        if next_name is None:
            return output
        state = states[next_name]
        data = output
        transitions += 1
        if transitions % _CHECKPOINT_EVERY == 0:
            await checkpoint()
