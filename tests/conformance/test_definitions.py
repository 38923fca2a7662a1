"""Every definition AWS rejected at CreateStateMachine is rejected here too."""

from __future__ import annotations

import pytest

from orchestra import DefinitionError, StateMachine

from .conftest import record
from .corpus import Case, case_params, load_cases
from .known_failures import KNOWN_FAILURES

CASES = [case for case in load_cases() if case.category == "definition_validation"]


@pytest.mark.parametrize("case", case_params(CASES, lambda case: case.api))
def test_definition_case(case: Case) -> None:
    """AWS's verdict on the definition is ours: rejected with a DefinitionError."""
    if case.api != "CreateStateMachine":
        record("definition_validation/validate-api", "later")
        pytest.xfail("needs the ValidateStateMachineDefinition API (later issue)")
    source = case.data.get("definition_text", case.definition)
    machine_type = (case.data.get("request") or {}).get("type", "STANDARD")
    try:
        StateMachine.from_definition(source, type=machine_type)
    except DefinitionError as error:
        record("definition_validation", "known" if case.id in KNOWN_FAILURES else "passed")
        diagnostics = error.diagnostics
    else:
        diagnostics = ()
    if diagnostics:
        return
    record("definition_validation", "known" if case.id in KNOWN_FAILURES else "failed")
    pytest.fail(f"accepted a definition AWS rejected: {case.data['expected']['message']}")
