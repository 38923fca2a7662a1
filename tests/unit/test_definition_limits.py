"""Hostile definitions: YAML alias bombs, sizes, depths and values JSON cannot hold."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestra import DefinitionError, StateMachine
from orchestra._definition.load import ALIAS_BUDGET
from orchestra.errors import Diagnostic


def _only(error: pytest.ExceptionInfo[DefinitionError]) -> Diagnostic:
    (diagnostic,) = error.value.diagnostics
    return diagnostic


def _laughs(fanout: int, levels: int) -> tuple[str, int]:
    """A YAML machine whose Pass Result is a nest of aliases, and the nodes they add."""
    lines = [
        "StartAt: Anchors",
        "States:",
        "  Anchors:",
        "    Type: Pass",
        "    Result:",
        f"      - &l0 [{', '.join(['lol'] * fanout)}]",
    ]
    size, added = fanout + 1, 0
    for level in range(1, levels + 1):
        lines.append(f"      - &l{level} [{', '.join([f'*l{level - 1}'] * fanout)}]")
        added += fanout * size
        size = 1 + fanout * size
    lines += ["    Next: P", "  P:", "    Type: Pass", f"    Result: *l{levels}", "    End: true"]
    return "\n".join(lines) + "\n", added + size


def test_billion_laughs_is_refused() -> None:
    """Nine levels of nine aliases (a billion nodes from 500 bytes) is refused at once."""
    text, _ = _laughs(9, 9)
    assert len(text) < 1024
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(text)
    assert _only(error) == Diagnostic(
        "INVALID_JSON_DESCRIPTION",
        "/",
        f"Invalid YAML: aliases expand to more than {ALIAS_BUDGET} nodes at line 10, column 14",
    )


@settings(max_examples=40, deadline=None)
@given(fanout=st.integers(1, 12), levels=st.integers(0, 8))
def test_aliases_load_within_the_budget(fanout: int, levels: int) -> None:
    """Aliases load as their expansion while the nodes they add stay within the budget."""
    text, added = _laughs(fanout, levels)
    if added > ALIAS_BUDGET:
        with pytest.raises(DefinitionError, match="aliases expand to more than"):
            StateMachine.from_definition(text)
        return
    result = StateMachine.from_definition(text).definition["States"]["P"]["Result"]
    for _ in range(levels):
        assert len(result) == fanout
        result = result[0]
    assert result == ["lol"] * fanout


def test_reused_retry_policy_loads() -> None:
    """An anchor reused by several states, as people write YAML, loads as copies."""
    text = """\
StartAt: A
States:
  A:
    Type: Task
    Resource: arn:aws:lambda:us-east-1:123456789012:function:a
    Retry: &retry
      - ErrorEquals: [States.TaskFailed]
        MaxAttempts: 3
    Next: B
  B:
    Type: Task
    Resource: arn:aws:lambda:us-east-1:123456789012:function:b
    Retry: *retry
    End: true
"""
    states = StateMachine.from_definition(text).definition["States"]
    assert states["B"]["Retry"] == [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 3}]


def test_recursive_alias_is_refused() -> None:
    """An alias inside the node it names (a cycle JSON cannot hold) is refused."""
    text = "StartAt: P\nStates: &s\n  P:\n    Type: Pass\n    Result: *s\n    End: true\n"
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(text)
    assert _only(error) == Diagnostic(
        "INVALID_JSON_DESCRIPTION",
        "/",
        "Invalid YAML: alias 's' refers to a node that contains it at line 5, column 13",
    )
