"""Every recorded StartExecution case, run through the public API under its context names."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import anyio
import pytest

from orchestra import DefinitionError, Engine, StateMachine
from orchestra.testing import VirtualClock

from .conftest import record, record_history
from .corpus import Case, case_params, differences, later_issue, load_cases
from .known_failures import KNOWN_FAILURES
from .tasks import make_task

CASES = [case for case in load_cases() if case.api in ("StartExecution", "TestState")]
CASES = [case for case in CASES if case.category != "definition_validation"]


async def _execute(case: Case) -> tuple[dict[str, Any], list[str]]:
    context = case.data["context"]
    machine = StateMachine.from_definition(
        case.definition,
        name=context["state_machine_name"],
        type=context.get("state_machine_type", "STANDARD"),
        role_arn=context["role_arn"],
    )
    tasks = [make_task(arn, behaviour) for arn, behaviour in (case.data.get("tasks") or {}).items()]
    start = datetime.now(UTC)
    if case.data.get("time_relative_input") and case.data.get("recorded_date"):
        # The input's timestamps were computed from the moment of recording.
        start = datetime.strptime(case.data["recorded_date"], "%d-%m-%Y, %H:%M:%S").replace(
            tzinfo=UTC
        )
    clock = VirtualClock(start=start)
    async with Engine(
        tasks=tasks, account=context["account"], region=context["region"], clock=clock
    ) as engine:
        execution = await engine.start_execution(
            machine,
            None if case.data.get("input_absent") else case.data.get("input"),
            name=context["execution_name"],
        )
        with anyio.fail_after(30):
            await execution.wait()
        events = await engine.get_execution_history(execution)
    actual: dict[str, Any] = {"status": execution.status.value}
    if execution.status.value == "SUCCEEDED":
        actual["output"] = execution.output
    else:
        actual["error"] = execution.error
        actual["cause"] = execution.cause
    return actual, [event.type for event in events]


@pytest.mark.parametrize("case", case_params(CASES, lambda case: case.category))
def test_execution_case(case: Case) -> None:
    """The execution ends as it did on AWS: status, output, error and cause."""
    reason = later_issue(case)
    if reason is not None:
        record(case.category, "later")
        pytest.xfail(reason)
    try:
        actual, history = anyio.run(_execute, case)
    except DefinitionError as exc:
        _outcome(case, False)
        pytest.fail(f"definition rejected: {exc}")
    expected = dict(case.data["expected"])
    if expected.get("cause_is_json"):
        expected.pop("cause_is_json")
        expected["cause"] = json.loads(expected["cause"])
        if isinstance(actual.get("cause"), str):
            try:
                actual["cause"] = json.loads(actual["cause"])
            except ValueError:
                pass
    found = differences(expected, actual, "$.expected", case)
    _outcome(case, not found)
    if not found and case.data.get("history"):
        record_history(history == case.data["history"])
    assert not found, "\n".join(found)


def _outcome(case: Case, passed: bool) -> None:
    if case.id in KNOWN_FAILURES:
        record(case.category, "known")
    else:
        record(case.category, "passed" if passed else "failed")
