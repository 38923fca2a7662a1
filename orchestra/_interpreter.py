"""The interpreter loop: enter a state, run it, check and record it, follow its transition.

Whatever a state does, its failure is a value: a ``StateFailed`` with AWS's error, or, for an
error the engine did not foresee, ``States.Runtime`` with the exception named in the cause
(and the traceback logged), so one execution's bug never reaches another. Every output is
checked against the payload limit before it is recorded, as AWS checks it.
"""

from __future__ import annotations

import time
from collections import ChainMap
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Final, cast

import structlog
from anyio import get_cancelled_exc_class
from anyio.lowlevel import checkpoint

from . import errors
from ._observability import state_failed
from ._query.jsondata import MAX_DEPTH, Size, byte_size, encode, measure
from ._runtime import Run, StateFailed, Visit, describe_exception_value
from ._states.base import State

# Yield to the event loop once a run has had the CPU this long: a loop of instant states
# must not starve other executions, but a checkpoint per state costs time. The clock is read
# every few transitions only; a slow state (a JSONata expression near its time limit) is
# bounded by its own limit.
_TIME_SLICE: Final = 0.002
_CLOCK_EVERY: Final = 8
_log = structlog.get_logger("orchestra")


@dataclass(frozen=True, slots=True)
class Program:
    """A compiled state graph: a machine's top level, a Parallel branch or a Map processor."""

    start_at: str
    states: Mapping[str, State]


async def run_program(
    program: Program,
    data: Any,
    run: Run,
    size: Size,
    outer: Mapping[str, Any] | None = None,
) -> tuple[Any, Size]:
    """Run ``program`` on ``data`` to its end; return the final output and a bound on its size.

    Args:
        program: the states to run.
        data: the input of the first state.
        run: the execution's runtime.
        size: an upper bound on the size and depth of ``data`` (see ``_query.growth``).
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
    limit = run.settings.payload_limit
    data_size, data_depth = size
    clock = time.perf_counter
    pause_at = clock() + _TIME_SLICE
    transitions = 0
    while True:
        entered_time = now()
        entered_id = history.add(
            state.entered_event, entered_time, {"name": state.name, "input": data}
        )
        visit = Visit(run, state.name, entered_id, entered_time, variables, data_size, data_depth)
        visit.input = data
        try:
            if tracing is None:
                output, next_name = await state.run(data, visit)
            else:
                output, next_name = await tracing.state(state, data, visit)
            grow = state.grow
            if grow is None:
                data_size = visit.size
                data_depth = visit.depth
            else:
                data_size, data_depth = grow(data_size, data_depth, limit)
            if data_size > limit or data_depth > MAX_DEPTH:
                data_size, data_depth = checked(state.name, output, data_size, data_depth, limit)
            if visit.assigned is not None:
                _check_assigned(state, visit, limit)
        except get_cancelled_exc_class():
            # A sibling's failure or a stop cancelled this run: AWS records the state aborted.
            history.add(f"{state.type}StateAborted", now(), {"name": state.name})
            raise
        except StateFailed as failure:
            state_failed(run, state, failure)
            raise
        except Exception as exc:  # noqa: BLE001 - the last-resort guard: see the module doc
            unforeseen = internal_failure(visit, exc)
            state_failed(run, state, unforeseen)
            raise unforeseen from None
        if visit.assigned is not None:
            local.update(visit.assigned)
        if state.exited_event is not None:
            history.add(state.exited_event, now(), {"name": state.name, "output": output})
        if next_name is None:
            return output, Size(data_size, data_depth)
        state = states[next_name]
        data = output
        transitions += 1
        if not transitions % _CLOCK_EVERY and clock() >= pause_at:
            await checkpoint()
            pause_at = clock() + _TIME_SLICE


def internal_failure(visit: Visit, exc: Exception) -> StateFailed:
    """An error the engine did not foresee, as the state's ``States.Runtime`` failure.

    The traceback goes to the log; the cause names the exception, so the failure is clear
    without exposing more than its type and message.
    """
    _log.error(
        "internal error while running a state",
        state=visit.state_name,
        execution=visit.run.execution_name,
        exc_info=exc,
    )
    return StateFailed(errors.RUNTIME, visit.prefix(internal_cause(exc)))


def internal_cause(exc: BaseException) -> str:
    """The cause recorded for an error the engine did not foresee."""
    return f"Internal error ({type(exc).__name__}: {describe_exception_value(exc)})"


def checked(who: str, value: Any, size: int, depth: int, limit: int) -> Size:
    """A payload's size and depth, given bounds on them; the failure AWS reports if over.

    Bounds within the limits are returned as they are; otherwise ``value`` is measured.

    Raises:
        StateFailed: ``States.DataLimitExceeded``, naming ``who`` (a state or a task).
    """
    if size <= limit and depth <= MAX_DEPTH:
        return Size(size, depth)
    if size <= 8 * limit and 0 < depth <= MAX_DEPTH:
        # The common case, kept lean: a bound a little over the limit on data known to be
        # shallow; one pass of the C encoder tells the size.
        exact = byte_size(encode(value))
        if exact > limit:
            raise StateFailed(errors.DATA_LIMIT_EXCEEDED, too_large(who))
        return Size(exact, depth)
    measured = measure(value, limit=limit, depth_bound=depth, size_bound=size)
    if measured.depth > MAX_DEPTH:
        raise StateFailed(errors.DATA_LIMIT_EXCEEDED, too_deep(who))
    if measured.bytes > limit:
        raise StateFailed(errors.DATA_LIMIT_EXCEEDED, too_large(who))
    return measured


def _check_assigned(state: State, visit: Visit, limit: int) -> None:
    """Each variable, and everything one ``Assign`` stores, must fit a payload, as on AWS."""
    assigned = visit.assigned
    assert assigned is not None
    total = 0
    for value in assigned.values():
        measured = measure(value, limit=limit)
        if measured.depth > MAX_DEPTH:
            raise StateFailed(errors.DATA_LIMIT_EXCEEDED, too_deep(state.name))
        total += measured.bytes
        if total > limit:
            raise StateFailed(
                errors.DATA_LIMIT_EXCEEDED,
                f"The state/task '{state.name}' assigned variables with a size exceeding the "
                "maximum number of bytes service limit.",
            )


def too_large(who: str) -> str:
    """AWS's cause for a payload over the size limit."""
    return (
        f"The state/task '{who}' returned a result with a size exceeding the maximum number "
        "of bytes service limit."
    )


def too_deep(who: str) -> str:
    """The cause for a payload nested deeper than the engine holds."""
    return f"The state/task '{who}' returned a result nested more than {MAX_DEPTH} levels deep."
