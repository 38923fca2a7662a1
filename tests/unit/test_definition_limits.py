"""Hostile definitions: YAML alias bombs, sizes, depths and values JSON cannot hold."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestra import DefinitionError, StateMachine
from orchestra._definition.limits import MAX_DEPTH, MAX_LENGTH
from orchestra._definition.load import ALIAS_BUDGET
from orchestra.errors import Diagnostic
from tests.helpers import run

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


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


# --- size -----------------------------------------------------------------------------------

TOO_LARGE = Diagnostic(
    "DEFINITION_TOO_LARGE",
    "/",
    "Value at 'definition' failed to satisfy constraint: "
    f"Member must have length less than or equal to {MAX_LENGTH}",
)


def _pass(result: Any) -> dict[str, Any]:
    """A machine of one Pass state returning ``result``."""
    return {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result, "End": True}}}


def _padded(length: int, result: Any = None) -> dict[str, Any]:
    """A Pass machine whose compact JSON is exactly ``length`` characters long."""
    definition = {"Comment": ""} | _pass(result)
    definition["Comment"] = "c" * (length - len(_compact(definition)))
    return definition


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def test_text_at_the_quota_loads() -> None:
    """Text of exactly 1 MB (1,048,576 characters) loads."""
    text = _compact(_padded(MAX_LENGTH))
    assert len(text) == MAX_LENGTH
    assert len(StateMachine.from_definition(text).definition["Comment"]) > 1_000_000


def test_text_over_the_quota_is_refused() -> None:
    """One character more than 1 MB is refused with AWS's words."""
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(_compact(_padded(MAX_LENGTH)) + " ")
    assert _only(error) == TOO_LARGE


@pytest.mark.parametrize("size", [MAX_LENGTH - 10, 3 * MAX_LENGTH], ids=["filled", "filling"])
def test_substitutions_count_against_the_quota(size: int) -> None:
    """The quota applies after placeholders are filled; a huge value is refused as it goes in."""
    text = '{"StartAt": "P", "Comment": "${Big}", "States": {"P": {"Type": "Succeed"}}}'
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(text, substitutions={"Big": "x" * size})
    assert _only(error) == TOO_LARGE


@settings(max_examples=15, deadline=None)
@given(result=JSON)
def test_mapping_is_measured_as_compact_json(result: Any) -> None:
    """A mapping is measured as its compact JSON: at the quota it loads, one over it does not."""
    at_quota = _padded(MAX_LENGTH, result)
    assert StateMachine.from_definition(at_quota).definition["States"]["P"]["Result"] == result
    at_quota["Comment"] += "c"
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(at_quota)
    assert _only(error) == TOO_LARGE


def test_shared_references_are_measured_expanded() -> None:
    """One dict placed 2**60 times (a few objects in memory) is refused, not walked."""
    node: dict[str, Any] = {"x": 1}
    for _ in range(60):
        node = {"l": node, "r": node}
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(_pass(node))
    assert _only(error) == TOO_LARGE


def test_mapping_substitutions_count_against_the_quota() -> None:
    """Placeholders filled in a mapping's strings count against the quota."""
    definition = _padded(1000) | {"Comment": "${Big}${Big}"}
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(definition, substitutions={"Big": "x" * (MAX_LENGTH // 2)})
    assert _only(error) == TOO_LARGE


def test_huge_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    """A file over four times the quota in bytes is refused from its first bytes."""
    path = tmp_path / "big.asl.json"
    path.write_bytes(b" " * (4 * MAX_LENGTH + 8))
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_file(path)
    assert _only(error) == TOO_LARGE


# --- depth ----------------------------------------------------------------------------------

TOO_DEEP = Diagnostic(
    "DEFINITION_TOO_DEEP",
    "/",
    f"Document nesting depth exceeds the maximum allowed ({MAX_DEPTH})",
)


def _nested(levels: int) -> Any:
    """A value of ``levels`` nested arrays and objects, alternately."""
    value: Any = 1
    for level in range(levels):
        value = [value] if level % 2 else {"a": value}
    return value


@pytest.mark.anyio
async def test_deepest_allowed_mapping_runs() -> None:
    """A Result nested right up to the limit loads, compiles and runs."""
    # The definition, its States, the state and Result's own level: three levels above it.
    result = _nested(MAX_DEPTH - 3)
    execution, _ = await run(_pass(result))
    assert execution.status == "SUCCEEDED"
    assert execution.output == result


def _deepest_template() -> dict[str, Any]:
    # The definition, States, the state and Parameters: the template's first level is the 4th.
    template: dict[str, Any] = {"x.$": "$.a"}
    for _ in range(MAX_DEPTH - 4):
        template = {"a": template}
    return {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": template, "End": True}}}


def _deepest_choice() -> dict[str, Any]:
    # The definition, States, the state, Choices, the rule: the innermost rule at the limit.
    rule: dict[str, Any] = {"Variable": "$.a", "NumericEquals": 1}
    for _ in range(MAX_DEPTH - 5):
        rule = {"Not": rule}
    return {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [rule | {"Next": "E"}], "Default": "E"},
            "E": {"Type": "Succeed"},
        },
    }


@pytest.mark.anyio
@pytest.mark.parametrize(
    "definition", [_deepest_template(), _deepest_choice()], ids=["template", "choice"]
)
async def test_deepest_templates_and_rules_run(definition: dict[str, Any]) -> None:
    """Templates and Choice rules nested right up to the limit compile and run."""
    execution, _ = await run(definition, {"a": 2})
    assert execution.status == "SUCCEEDED"


def test_mapping_one_level_too_deep_is_refused() -> None:
    """One level more than the limit is a DefinitionError."""
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(_pass(_nested(MAX_DEPTH - 2)))
    assert _only(error) == TOO_DEEP


@pytest.mark.parametrize(
    "part",
    ["Parameters", "ResultSelector", "Assign", "Result"],
)
def test_thousands_deep_mapping_is_refused(part: str) -> None:
    """A template or constant nested 5,000 deep is a DefinitionError, not a RecursionError."""
    value: Any = {"x.$": "$.a"}
    for _ in range(5000):
        value = {"a": value}
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", part: value, "End": True}}}
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(definition)
    assert _only(error) == TOO_DEEP


def test_nested_choice_rules_thousands_deep_are_refused() -> None:
    """A Choice rule of 5,000 nested Not is a DefinitionError."""
    rule: dict[str, Any] = {"Variable": "$.a", "IsPresent": True}
    for _ in range(5000):
        rule = {"Not": rule}
    definition = {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [rule | {"Next": "E"}], "Default": "E"},
            "E": {"Type": "Succeed"},
        },
    }
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(definition)
    assert _only(error) == TOO_DEEP


def test_cycle_is_refused() -> None:
    """A dict that contains itself is refused as too deep."""
    result: dict[str, Any] = {}
    result["self"] = result
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(_pass(result))
    assert _only(error) == TOO_DEEP


@pytest.mark.parametrize(
    "text",
    [
        '{"StartAt": "P", "Result": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"StartAt": "P", "Result": ' + "[" * 150 + "]" * 150 + "}",
        "StartAt: P\nResult: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "".join(f"{' ' * level}k:\n" for level in range(1000)) + " " * 1000 + "k: 1\n",
    ],
    ids=["json-very-deep", "json-deep", "yaml-flow", "yaml-block"],
)
def test_deep_text_is_refused(text: str) -> None:
    """Deeply nested JSON or YAML text is a DefinitionError, not a RecursionError."""
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(text)
    assert _only(error) == TOO_DEEP


# --- values JSON cannot hold ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "pointer", "message"),
    [
        ({1: "x"}, "/States/P/Result", "Object key of type int is not a string"),
        ({"a": {None: 1}}, "/States/P/Result/a", "Object key of type NoneType is not a string"),
        ({"a": {1, 2}}, "/States/P/Result/a", "Value of type set is not JSON"),
        ([object()], "/States/P/Result/0", "Value of type object is not JSON"),
        ({"a/b~": b"x"}, "/States/P/Result/a~1b~0", "Value of type bytes is not JSON"),
        (math.nan, "/States/P/Result", "Number nan is not JSON: NaN and Infinity are not numbers"),
        (
            [-math.inf],
            "/States/P/Result/0",
            "Number -inf is not JSON: NaN and Infinity are not numbers",
        ),
        pytest.param(
            10**1000, "/States/P/Result", "Number value has more than 1000 digits", id="1001-digits"
        ),
        pytest.param(
            10**100_000, "/States/P/Result", "Number value has more than 1000 digits", id="huge"
        ),
    ],
)
def test_mapping_values_must_be_json(result: Any, pointer: str, message: str) -> None:
    """Keys that are not strings and values JSON cannot hold are named with their place."""
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(_pass(result))
    assert _only(error) == Diagnostic("INVALID_JSON_DESCRIPTION", pointer, message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"StartAt": "P", "Result": NaN}',
            "Non-standard token 'NaN': NaN and Infinity are not JSON numbers",
        ),
        (
            '{"StartAt": "P", "Result": -Infinity}',
            "Non-standard token '-Infinity': NaN and Infinity are not JSON numbers",
        ),
        (
            '{"StartAt": "P", "Result": ' + "9" * 1001 + "}",
            "Number value has more than 1000 digits",
        ),
        (
            '{"StartAt": "P", "Result": ' + "9" * 5000 + "}",
            "Number value has more than 1000 digits",
        ),
        (
            '{"StartAt": "P", "Result": 0.' + "1" * 1000 + "}",
            "Number value has more than 1000 digits",
        ),
        (
            '{"StartAt": "P", "Result": 1e999}',
            "Number inf is not JSON: NaN and Infinity are not numbers",
        ),
        ("StartAt: P\nResult: .nan\n", "Number nan is not JSON: NaN and Infinity are not numbers"),
        ("StartAt: P\nResult: " + "9" * 1001 + "\n", "Number value has more than 1000 digits"),
        ("StartAt: P\nResult: !!binary aGk=\n", "Value of type bytes is not JSON"),
        ("StartAt: P\nResult: !!set {a}\n", "Value of type set is not JSON"),
        (
            "StartAt: P\nResult: {[1]: 2}\n",
            "Invalid YAML: found unhashable key at line 2, column 10",
        ),
        ("StartAt: P\nResult: {1: 2}\n", "Object key of type int is not a string"),
        ("StartAt: P\nResult: !!timestamp 2016-13-45\n", "Invalid YAML: month must be in 1..12"),
        ("StartAt: P\nResult: " + "9" * 5000 + "\n", "Number value has more than 1000 digits"),
        ("StartAt: P\nResult: 1" + ":0" * 100_000 + "\n", "Number value has more than 1000 digits"),
    ],
)
def test_text_values_must_be_json(text: str, message: str) -> None:
    """NaN, Infinity, overlong numbers and YAML-only types in text are DefinitionErrors."""
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(text)
    assert _only(error).message == message


def test_tuples_are_arrays_and_the_mapping_is_copied() -> None:
    """A tuple loads as an array, and the machine keeps its own copy of the mapping."""
    result = {"items": (1, 2), "nested": {"a": [3]}}
    definition = _pass(result)
    machine = StateMachine.from_definition(definition)
    result["nested"]["a"].append(4)  # type: ignore[index]
    assert machine.definition["States"]["P"]["Result"] == {"items": [1, 2], "nested": {"a": [3]}}


ANYTHING = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=5)
    | st.binary(max_size=2)
    | st.sampled_from([object(), {1}, frozenset(), 1j]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.tuples(children)
        | st.dictionaries(st.text(max_size=3) | st.integers() | st.none(), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(result=ANYTHING)
def test_any_python_value_loads_or_is_a_definition_error(result: Any) -> None:
    """Whatever Python value a Result holds, loading succeeds or raises a DefinitionError."""
    try:
        StateMachine.from_definition(_pass(result))
    except DefinitionError as error:
        codes = {diagnostic.code for diagnostic in error.diagnostics}
    else:
        codes = set()
    assert codes <= {"INVALID_JSON_DESCRIPTION"}
