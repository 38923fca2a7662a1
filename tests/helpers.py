"""Small helpers shared by the tests: run a definition to completion on a virtual clock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import anyio

from orchestra import Engine, Execution, HistoryEvent, StateMachine
from orchestra._runtime.clock import SystemClock
from orchestra.testing import VirtualClock


async def run(
    definition: Any,
    input: Any = None,
    *,
    tasks: Sequence[Callable[..., Any]] = (),
    clock: VirtualClock | None = None,
    **engine_options: Any,
) -> tuple[Execution, list[HistoryEvent]]:
    """Run ``definition`` once; return the closed execution and its history."""
    machine = StateMachine.from_definition(definition, name="test")
    async with Engine(tasks=tasks, clock=clock or VirtualClock(), **engine_options) as engine:
        execution = await engine.start_execution(machine, input, name="run")
        await execution.wait()
        history = list(await engine.get_execution_history(execution))
    return execution, history


def machine(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """A definition of the given states in order, chained with Next, the last one ending."""
    body: dict[str, Any] = {}
    for index, (name, state) in enumerate(states):
        state = dict(state)
        terminal = state["Type"] in ("Succeed", "Fail", "Choice")
        if not terminal and "Next" not in state and "End" not in state:
            if index + 1 < len(states):
                state["Next"] = states[index + 1][0]
            else:
                state["End"] = True
        body[name] = state
    return {"StartAt": states[0][0], "States": body}


# Map item processors: one that passes every item through, one that fails item 2 alone.
PASS_THROUGH = {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": True}}}
FAIL_ON_TWO = {
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "Broken"}],
            "Default": "Fine",
        },
        "Broken": {"Type": "Fail", "Error": "Bad", "Cause": "item two"},
        "Fine": {"Type": "Succeed"},
    },
}


class FastClock(SystemClock):
    """Real time, a hundred times faster: a one-second timeout fires after 10 ms.

    For the few tests that need time to pass while a sync task blocks its thread (a virtual
    clock waits for every runner to wait on time, which a blocked thread never does).
    """

    SCALE = 0.01

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds * self.SCALE)

    def timeout(self, seconds: float | None) -> anyio.CancelScope:
        return super().timeout(None if seconds is None else seconds * self.SCALE)
