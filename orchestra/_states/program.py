"""The interpreter loop: enter a state, run it, check and record it, follow its transition.

Whatever a state does, its failure is a value: a ``StateFailed`` with AWS's error, or, for an
error the engine did not foresee, ``States.Runtime`` with the exception named in the cause
(and the traceback logged), so one execution's bug never reaches another. Every output is
checked against the payload limit before it is recorded, as AWS checks it.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final, cast

from anyio import get_cancelled_exc_class
from anyio.lowlevel import checkpoint

from .. import errors
from .._query.growth import UNCHANGED, Affine
from .._query.jsondata import MAX_DEPTH, Size, measure
from .._store.events import StateAborted, StateEntered, StateExited
from .base import State
from .guards import StateFailed, TimeSlice, checked, describe_exception_value, too_deep
from .run import Run, Visit

# The time slice (see TimeSlice) is looked at every few transitions only; a slow state (a
# JSONata expression near its time limit) is bounded by its own limit.
_CLOCK_EVERY: Final = 8
_NO_VARIABLES: Final[Mapping[str, Any]] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Program:
    """A compiled state graph: a machine's top level, a Parallel branch or a Map processor.

    Attributes:
        start_at: the first state's name.
        states: the states by name.
        peak: a bound on every state's output in terms of the program's input, when the
            program has no loop and its states only select and shape their input (see
            ``_query.growth.Affine``); else None. When it keeps a run within the limits,
            the run needs no bounds of its own; and a Map adds it up over its items,
            which share out the input between them.
    """

    start_at: str
    states: Mapping[str, State]
    peak: Affine | None = None


def program_peak(start_at: str, states: Mapping[str, State]) -> Affine | None:
    """The ``peak`` of a program (see :class:`Program`), or None.

    The bounds flow forward from the first state in topological order (Kahn's algorithm,
    without recursion: a chain of a thousand states must not recurse a thousand deep); a
    loop leaves states unordered, and has no such bound.
    """
    reached: list[str] = []
    pending = [start_at]
    seen = {start_at}
    while pending:
        name = pending.pop()
        state = states.get(name)
        if state is None or state.affine is None:
            return None  # a state whose output depends on the run
        reached.append(name)
        for target in state.successors():
            if target not in seen:
                seen.add(target)
                pending.append(target)
    incoming = dict.fromkeys(reached, 0)
    for name in reached:
        for target in set(states[name].successors()):
            incoming[target] += 1
    into: dict[str, Affine] = {start_at: UNCHANGED}
    ready = [name for name in reached if incoming[name] == 0]
    peak: Affine | None = None
    ordered = 0
    while ready:
        name = ready.pop()
        ordered += 1
        state = states[name]
        assert state.affine is not None
        out = into[name].then(state.affine)
        peak = out if peak is None else peak.widest(out)
        for target in set(state.successors()):
            into[target] = out if target not in into else into[target].widest(out)
            incoming[target] -= 1
            if incoming[target] == 0:
                ready.append(target)
    return peak if ordered == len(reached) else None


async def run_program(
    program: Program,
    data: Any,
    run: Run,
    size: Size,
    outer: Mapping[str, Any] | None = None,
    entered: datetime | None = None,
    tracked: bool = True,
) -> tuple[Any, int, int, datetime]:
    """Run ``program`` on ``data`` to its end.

    Returns the output, bounds on its size and depth, and when the last state was left (so
    that a caller recording the end of the run needs no clock reading of its own).

    Args:
        program: the states to run.
        data: the input of the first state.
        run: the execution's runtime.
        size: an upper bound on the size and depth of ``data`` (see ``_query.growth``).
        outer: the variables of the enclosing scope (a branch or iteration sees them).
        entered: when the first state is entered (None: now).
        tracked: whether to bound each state's output; False when the program's ``peak``
            already keeps every state within the limits (the caller then knows the bounds).

    Raises:
        StateFailed: a state failed and nothing caught it.
    """
    # Variables assigned here live in this scope only; nothing leaks out of a branch. The
    # scope is made at the first assignment: most branches and iterations assign nothing.
    local: dict[str, Any] | None = None
    variables: Mapping[str, Any] = _NO_VARIABLES if outer is None else outer
    states = program.states
    state = states[program.start_at]
    history = run.history
    batched = history.batched
    now = run.clock.now
    tracing = run.tracing
    limit = run.settings.payload_limit
    data_size, data_depth = size
    data_inner = data_size
    max_depth = MAX_DEPTH
    # The slice starts after a few transitions and is looked at every few more: most
    # branches and iterations are over before it starts, and pay nothing for it.
    slice_: TimeSlice | None = None
    countdown = _CLOCK_EVERY
    entered_time = now() if entered is None else entered
    while True:
        entered_id = history.add(StateEntered(entered_time, state.type, state.name, data))
        visit = Visit(
            run, state.name, entered_id, entered_time, variables, data_size, data_depth, data_inner
        )
        visit.input = data
        try:
            if tracing is None:
                output, next_name = await state.run(data, visit)
            else:
                output, next_name = await tracing.state(state, data, visit)
            if tracked:
                grow = state.grow
                if grow is None:
                    data_size = visit.size
                    data_depth = visit.depth
                    data_inner = visit.inner
                else:
                    data_size, data_depth, data_inner = grow(
                        data_size, data_depth, data_inner, limit
                    )
                if data_size > limit or data_depth > max_depth:
                    data_size, data_depth = checked(
                        state.name, output, data_size, data_depth, limit
                    )
                    data_inner = data_size
            assigned = visit.assigned
            if assigned is not None:
                _check_assigned(state.name, assigned, limit)
        except get_cancelled_exc_class():
            # A sibling's failure or a stop cancelled this run: AWS records the state aborted.
            history.add(StateAborted(now(), state.type, state.name))
            raise
        except StateFailed as failure:
            run.observer.state_failed(run, state, failure)
            raise
        except Exception as exc:  # noqa: BLE001 - the last-resort guard: see the module doc
            unforeseen = internal_failure(visit, exc)
            run.observer.state_failed(run, state, unforeseen)
            raise unforeseen from None
        if assigned is not None:
            if local is None:
                local = {}
                variables = (
                    local
                    if outer is None
                    else ChainMap(local, cast("MutableMapping[str, Any]", outer))
                )
            local.update(assigned)
        # The next state is entered the moment this one is left: one clock reading for both.
        entered_time = now()
        if state.exits:
            history.add(StateExited(entered_time, state.type, state.name, output))
        if batched:
            history.commit()
        if next_name is None:
            return output, data_size, data_depth, entered_time
        state = states[next_name]
        data = output
        countdown -= 1
        if not countdown:
            countdown = _CLOCK_EVERY
            if slice_ is None:
                slice_ = TimeSlice()
            elif slice_.due():
                await checkpoint()


def internal_failure(visit: Visit, exc: Exception) -> StateFailed:
    """An error the engine did not foresee, as the state's ``States.Runtime`` failure.

    The traceback goes to the log; the cause names the exception, so the failure is clear
    without exposing more than its type and message.
    """
    visit.run.observer.internal_error(visit.run, visit.state_name, exc)
    return StateFailed(errors.RUNTIME, visit.prefix(internal_cause(exc)))


def internal_cause(exc: BaseException) -> str:
    """The cause recorded for an error the engine did not foresee."""
    return f"Internal error ({type(exc).__name__}: {describe_exception_value(exc)})"


def _check_assigned(who: str, assigned: Mapping[str, Any], limit: int) -> None:
    """Each variable, and everything one ``Assign`` stores, must fit a payload, as on AWS."""
    total = 0
    for value in assigned.values():
        measured = measure(value, limit=limit)
        if measured.depth > MAX_DEPTH:
            raise StateFailed(errors.DATA_LIMIT_EXCEEDED, too_deep(who))
        total += measured.bytes
        if total > limit:
            raise StateFailed(
                errors.DATA_LIMIT_EXCEEDED,
                f"The state/task '{who}' assigned variables with a size exceeding the "
                "maximum number of bytes service limit.",
            )
