"""Choice rules (JSONPath): operators, paths, type mismatches, timestamps, diagnostics."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestra._query.choice import ChoiceRuntimeError, Predicate, compile_rule
from orchestra._query.choice_operators import OPERATORS
from orchestra._query.timestamps import parse_timestamp
from orchestra.errors import Diagnostic

POINTER = "/States/Check/Choices/0"


def compiled(rule: Mapping[str, Any], *, top_level: bool = True) -> Predicate:
    diagnostics: list[Diagnostic] = []
    if top_level:
        rule = {**rule, "Next": "Done"}
    predicate = compile_rule(rule, POINTER, diagnostics, top_level=top_level)
    assert diagnostics == []
    assert predicate is not None
    return predicate


def matches(
    rule: Mapping[str, Any],
    data: Any,
    context: Any = None,
    variables: Mapping[str, Any] | None = None,
) -> bool:
    return compiled(rule)(data, context, variables)


def problems(rule: Any, *, top_level: bool = True) -> list[tuple[str, str]]:
    diagnostics: list[Diagnostic] = []
    assert compile_rule(rule, POINTER, diagnostics, top_level=top_level) is None
    assert all(d.code == "SCHEMA_VALIDATION_FAILED" for d in diagnostics)
    return [(d.pointer, d.message) for d in diagnostics]


# --- comparison operators -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("StringEquals", "b", True),
        ("StringEquals", "B", False),
        ("StringLessThan", "c", True),
        ("StringLessThan", "b", False),
        ("StringGreaterThan", "a", True),
        ("StringGreaterThan", "b", False),
        ("StringLessThanEquals", "b", True),
        ("StringLessThanEquals", "a", False),
        ("StringGreaterThanEquals", "b", True),
        ("StringGreaterThanEquals", "c", False),
    ],
)
def test_string_operators_compare_lexicographically(
    operator: str, value: str, expected: bool
) -> None:
    """String operators compare the variable "b" with their literal."""
    assert matches({"Variable": "$.v", operator: value}, {"v": "b"}) is expected


def test_string_ordering_follows_utf16_code_units() -> None:
    """An astral character sorts below U+FFFF, as Java's compareTo orders strings."""
    rule = {"Variable": "$.v", "StringLessThan": "\uffff"}
    assert matches(rule, {"v": "\U00010000"}) is True
    path_rule = {"Variable": "$.v", "StringGreaterThanPath": "$.w"}
    assert matches(path_rule, {"v": "\uffff", "w": "\U00010000"}) is True


def test_string_prefix_orders_first() -> None:
    """A proper prefix is less than the longer string."""
    assert matches({"Variable": "$.v", "StringLessThan": "AB"}, {"v": "A"}) is True


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("NumericEquals", 2, True),
        ("NumericEquals", 2.0, True),
        ("NumericEquals", 2.5, False),
        ("NumericLessThan", 3, True),
        ("NumericLessThan", 2, False),
        ("NumericGreaterThan", 1.5, True),
        ("NumericGreaterThan", 2, False),
        ("NumericLessThanEquals", 2, True),
        ("NumericLessThanEquals", 1, False),
        ("NumericGreaterThanEquals", 2, True),
        ("NumericGreaterThanEquals", 3, False),
    ],
)
def test_numeric_operators_compare_by_value(operator: str, value: float, expected: bool) -> None:
    """Numeric operators compare the variable 2 with their literal, ints and floats alike."""
    assert matches({"Variable": "$.v", operator: value}, {"v": 2}) is expected


def test_numeric_equals_matches_float_variable_against_int_literal() -> None:
    """0.0 equals 0."""
    assert matches({"Variable": "$.v", "NumericEquals": 0}, {"v": 0.0}) is True


@pytest.mark.parametrize(
    ("literal", "value", "expected"),
    [(True, True, True), (False, False, True), (True, False, False)],
)
def test_boolean_equals(literal: bool, value: bool, expected: bool) -> None:
    """BooleanEquals compares booleans."""
    assert matches({"Variable": "$.v", "BooleanEquals": literal}, {"v": value}) is expected


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("TimestampEquals", "2012-10-09T19:00:55Z", True),
        ("TimestampEquals", "2012-10-09T19:00:56Z", False),
        ("TimestampLessThan", "2012-10-09T19:00:56Z", True),
        ("TimestampLessThan", "2012-10-09T19:00:55Z", False),
        ("TimestampGreaterThan", "2012-10-09T19:00:54Z", True),
        ("TimestampGreaterThan", "2012-10-09T19:00:55Z", False),
        ("TimestampLessThanEquals", "2012-10-09T19:00:55Z", True),
        ("TimestampLessThanEquals", "2012-10-09T19:00:54Z", False),
        ("TimestampGreaterThanEquals", "2012-10-09T19:00:55Z", True),
        ("TimestampGreaterThanEquals", "2012-10-09T19:00:56Z", False),
    ],
)
def test_timestamp_operators_compare_instants(operator: str, value: str, expected: bool) -> None:
    """Timestamp operators compare 2012-10-09T19:00:55Z with their literal."""
    rule = {"Variable": "$.v", operator: value}
    assert matches(rule, {"v": "2012-10-09T19:00:55Z"}) is expected


@pytest.mark.parametrize(
    ("operator", "variable", "value", "expected"),
    [
        ("StringEqualsPath", "a", "a", True),
        ("StringLessThanPath", "a", "b", True),
        ("StringGreaterThanPath", "a", "b", False),
        ("StringLessThanEqualsPath", "b", "b", True),
        ("StringGreaterThanEqualsPath", "a", "b", False),
        ("NumericEqualsPath", 1, 1.0, True),
        ("NumericLessThanPath", 1, 2, True),
        ("NumericGreaterThanPath", 1, 2, False),
        ("NumericLessThanEqualsPath", 2, 2, True),
        ("NumericGreaterThanEqualsPath", 1, 2, False),
        ("BooleanEqualsPath", False, False, True),
        ("BooleanEqualsPath", True, False, False),
        ("TimestampEqualsPath", "2020-01-01T01:00:00+01:00", "2020-01-01T00:00:00Z", True),
        ("TimestampLessThanPath", "2020-01-01T00:00:00Z", "2020-01-01T00:00:01Z", True),
        ("TimestampGreaterThanPath", "2020-01-01T00:00:00Z", "2020-01-01T00:00:01Z", False),
        ("TimestampLessThanEqualsPath", "2020-01-01T00:00:01Z", "2020-01-01T00:00:01Z", True),
        ("TimestampGreaterThanEqualsPath", "2020-01-01T00:00:00Z", "2020-01-01T00:00:01Z", False),
    ],
)
def test_path_operators_compare_with_another_node(
    operator: str, variable: Any, value: Any, expected: bool
) -> None:
    """A ...Path operator compares the Variable with the value at its path."""
    rule = {"Variable": "$.v", operator: "$.w"}
    assert matches(rule, {"v": variable, "w": value}) is expected


def test_path_operand_may_read_a_variable() -> None:
    """StringEqualsPath can name a workflow variable."""
    rule = {"Variable": "$guess", "StringEqualsPath": "$answer"}
    assert matches(rule, {}, variables={"guess": "x", "answer": "x"}) is True
    assert matches(rule, {}, variables={"guess": "x", "answer": "y"}) is False


def test_variable_may_read_the_context_object() -> None:
    """A Variable rooted at $$ reads the context object."""
    rule = {"Variable": "$$.Execution.Input.n", "NumericLessThanEquals": 0}
    assert matches(rule, {}, context={"Execution": {"Input": {"n": 0}}}) is True


def test_variable_may_index_arrays_and_read_the_whole_input() -> None:
    """Variables follow indices (negative ones too) and `$` is the whole input."""
    assert matches({"Variable": "$.a[-1].b", "NumericEquals": 3}, {"a": [{}, {"b": 3}]}) is True
    assert matches({"Variable": "$", "StringEquals": "x"}, "x") is True
    assert matches({"Variable": "$['a b']", "IsNull": True}, {"a b": None}) is True


# --- type mismatches ----------------------------------------------------------------------

MISMATCHES = [None, 0, 1.5, "", "1", [], [1], {}, {"a": 0}, True, False]


@pytest.mark.parametrize("value", MISMATCHES)
def test_numeric_operators_ignore_non_numbers(value: Any) -> None:
    """NumericEquals never matches a string, a boolean, null, an array or an object."""
    if type(value) in (int, float):
        return
    assert matches({"Variable": "$.v", "NumericEquals": 1}, {"v": value}) is False
    assert matches({"Variable": "$.v", "NumericEqualsPath": "$.v"}, {"v": value}) is False


def test_booleans_are_not_numbers() -> None:
    """True is not 1 and False is not 0."""
    assert matches({"Variable": "$.v", "NumericEquals": 1}, {"v": True}) is False
    assert matches({"Variable": "$.v", "NumericLessThan": 1}, {"v": False}) is False
    assert matches({"Variable": "$.v", "BooleanEquals": False}, {"v": 0}) is False
    assert matches({"Variable": "$.v", "BooleanEqualsPath": "$.w"}, {"v": 1, "w": 1}) is False


@pytest.mark.parametrize("value", MISMATCHES)
def test_string_and_timestamp_operators_ignore_non_strings(value: Any) -> None:
    """String and timestamp operators never match a value that is not a string."""
    if type(value) is str:
        return
    assert matches({"Variable": "$.v", "StringLessThan": "zzz"}, {"v": value}) is False
    assert matches({"Variable": "$.v", "StringEquals": "1"}, {"v": value}) is False
    assert matches({"Variable": "$.v", "StringMatches": "*"}, {"v": value}) is False
    rule = {"Variable": "$.v", "TimestampLessThan": "2100-01-01T00:00:00Z"}
    assert matches(rule, {"v": value}) is False


def test_path_operand_of_the_wrong_type_does_not_match() -> None:
    """A ...Path operand whose value has the wrong type compares false."""
    assert matches({"Variable": "$.v", "NumericEqualsPath": "$.w"}, {"v": 1, "w": "1"}) is False
    assert matches({"Variable": "$.v", "StringEqualsPath": "$.w"}, {"v": "1", "w": 1}) is False
    rule = {"Variable": "$.v", "TimestampEqualsPath": "$.w"}
    assert matches(rule, {"v": "2020-01-01T00:00:00Z", "w": "yesterday"}) is False
    assert matches(rule, {"v": "yesterday", "w": "2020-01-01T00:00:00Z"}) is False
    assert matches(rule, {"v": "2020-01-01T00:00:00Z", "w": 0}) is False


# --- type tests -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "value"),
    [
        ("IsNull", None),
        ("IsNumeric", 0),
        ("IsNumeric", 1.1),
        ("IsString", ""),
        ("IsBoolean", False),
        ("IsTimestamp", "2012-10-09T19:00:55Z"),
    ],
)
def test_type_tests_recognise_their_type(operator: str, value: Any) -> None:
    """Is* with true matches its type and with false does not."""
    assert matches({"Variable": "$.v", operator: True}, {"v": value}) is True
    assert matches({"Variable": "$.v", operator: False}, {"v": value}) is False


@pytest.mark.parametrize(
    ("operator", "value"),
    [
        ("IsNull", 0),
        ("IsNumeric", True),
        ("IsNumeric", "1"),
        ("IsString", []),
        ("IsBoolean", 0),
        ("IsTimestamp", "2012-10-09T19:00:55"),
        ("IsTimestamp", 0),
    ],
)
def test_type_tests_reject_other_types(operator: str, value: Any) -> None:
    """Is* with true does not match another type, with false it does."""
    assert matches({"Variable": "$.v", operator: True}, {"v": value}) is False
    assert matches({"Variable": "$.v", operator: False}, {"v": value}) is True


def test_is_present_tells_whether_the_node_exists() -> None:
    """IsPresent is true for any existing node, null included, and false for a missing one."""
    present = {"Variable": "$.v", "IsPresent": True}
    absent = {"Variable": "$.v", "IsPresent": False}
    assert matches(present, {"v": None}) is True
    assert matches(present, {}) is False
    assert matches(absent, {}) is True
    assert matches(present, "not an object") is False
    assert matches({"Variable": "$.v.w", "IsPresent": True}, {"v": 3}) is False
    assert matches({"Variable": "$.v.w.x", "IsPresent": True}, {"v": {"y": 1}}) is False
    assert matches({"Variable": "$.a[3]", "IsPresent": True}, {"a": [1]}) is False


def test_is_present_on_an_undefined_variable_is_false() -> None:
    """IsPresent on a workflow variable that does not exist is false, not an error."""
    rule = {"Variable": "$missing", "IsPresent": True}
    assert matches(rule, {}, variables={}) is False
    assert matches(rule, {}, variables=None) is False
    assert matches(rule, {}, variables={"missing": None}) is True


# --- timestamps -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2012-10-09T19:00:55Z",
        "2012-10-09T19:00:55.000Z",
        "2012-10-09T19:00:55.000000000Z",
        "2012-10-09t19:00:55z",
        "2012-10-09T20:00:55+01:00",
        "2012-10-09T18:00:55-01:00",
        "2012-10-09T19:00:55-00:00",
        "2012-10-09T19:30:55+00:30",
        "2012-10-09T19:00:56+00:00:01",
    ],
)
def test_timestamp_forms_name_the_same_instant(text: str) -> None:
    """Fractions, offsets and lowercase separators all parse."""
    rule = {"Variable": "$.v", "TimestampEquals": "2012-10-09T19:00:55Z"}
    assert matches(rule, {"v": text}) is True


@pytest.mark.parametrize(
    "text",
    [
        "2012-10-09T19:00:55",
        "2012-10-09 19:00:55Z",
        "2012-10-09",
        "09-10-2012T19:00:55Z",
        "2012-13-09T19:00:55Z",
        "2012-02-30T19:00:55Z",
        "2013-02-29T00:00:00Z",
        "2012-10-09T24:00:00Z",
        "2012-10-09T19:60:00Z",
        "2012-10-09T23:59:60Z",
        "2012-10-09T19:00:55.1234567890Z",
        "2012-10-09T19:00:55.Z",
        "2012-10-09T19:00:55+01",
        "2012-10-09T19:00:55+0100",
        "2012-10-09T19:00:55+18:01",
        "2012-10-09T19:00:55+01:60",
        "12012-10-09T19:00:55Z",
        " 2012-10-09T19:00:55Z",
        "2012-10-09T19:00:55Z ",
        "２０１２-10-09T19:00:55Z",
    ],
)
def test_invalid_timestamps_never_match(text: str) -> None:
    """A string that is not an ISO-8601 offset date-time compares false and is no timestamp."""
    for operator in ("TimestampEquals", "TimestampLessThan", "TimestampGreaterThanEquals"):
        rule = {"Variable": "$.v", operator: "2012-10-09T19:00:55Z"}
        assert matches(rule, {"v": text}) is False
    assert matches({"Variable": "$.v", "IsTimestamp": True}, {"v": text}) is False


def test_timestamps_keep_nanoseconds() -> None:
    """Nine fraction digits are significant."""
    rule = {"Variable": "$.v", "TimestampLessThan": "2016-03-05T21:29:29.243167253Z"}
    assert matches(rule, {"v": "2016-03-05T21:29:29.243167252Z"}) is True


def test_timestamps_accept_leap_days_and_extreme_offsets() -> None:
    """Leap days, year 0, an 18-hour offset and omitted seconds are valid."""
    assert parse_timestamp("2000-02-29T00:00:00Z") is not None
    assert parse_timestamp("0000-02-29T00:00:00Z") is not None
    assert parse_timestamp("1900-02-29T00:00:00Z") is None
    assert parse_timestamp("2020-01-01T00:00:00+18:00") is not None
    assert parse_timestamp("1970-01-01T00:00:00Z") == 0
    assert parse_timestamp("1970-01-01T00:01Z") == 60_000_000_000
    assert parse_timestamp("1969-12-31T23:59:59.5Z") == -500_000_000


# --- StringMatches ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("log-*.txt", "log-2024.txt", True),
        ("log-*.txt", "log-.txt", True),
        ("log-*.txt", "log.txt", False),
        ("*", "", True),
        ("*", "a\nb", True),
        ("a*", "a", True),
        ("*a", "ba", True),
        ("*a*", "bab", True),
        ("*a*", "bbb", False),
        ("a*b*c", "a-b-c", True),
        ("a*b*c", "a-c-b", False),
        ("a*a", "a", False),
        ("", "", True),
        ("", "x", False),
        ("exact", "exact", True),
        ("exact", "Exact", False),
        ("a.c", "abc", False),
        ("a?c", "abc", False),
        ("[ab]", "a", False),
    ],
)
def test_string_matches_wildcards(pattern: str, value: str, expected: bool) -> None:
    """`*` matches any run of characters; every other character matches itself."""
    assert matches({"Variable": "$.v", "StringMatches": pattern}, {"v": value}) is expected


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("a\\*b", "a*b", True),
        ("a\\*b", "axb", False),
        ("a\\\\b", "a\\b", True),
        ("a\\\\*", "a\\xyz", True),
        ("a\\\\*", "ab", False),
        ("*\\*", "star*", True),
        ("*\\*", "star", False),
        ("a\\", "a\\", True),
    ],
)
def test_string_matches_escapes(pattern: str, value: str, expected: bool) -> None:
    r"""`\*` is a literal star, `\\` a literal backslash."""
    assert matches({"Variable": "$.v", "StringMatches": pattern}, {"v": value}) is expected


# --- And, Or, Not -------------------------------------------------------------------------

GE_20 = {"Variable": "$.value", "NumericGreaterThanEquals": 20}
LT_30 = {"Variable": "$.value", "NumericLessThan": 30}
PRIVATE = {"Variable": "$.type", "StringEquals": "Private"}


@pytest.mark.parametrize(
    ("value", "expected"), [(19, False), (20, True), (29.9, True), (30, False)]
)
def test_and_needs_every_rule(value: float, expected: bool) -> None:
    """And matches when all its rules match."""
    assert matches({"And": [GE_20, LT_30]}, {"value": value}) is expected


def test_and_or_with_one_or_many_rules() -> None:
    """And/Or with a single rule or more than two rules behave as their logic says."""
    is_public = {"Variable": "$.type", "StringEquals": "Public"}
    assert matches({"And": [is_public]}, {"type": "Public"}) is True
    assert matches({"Or": [PRIVATE]}, {"type": "Public"}) is False
    three = [GE_20, LT_30, PRIVATE]
    assert matches({"And": three}, {"type": "Private", "value": 25}) is True
    assert matches({"And": three}, {"type": "Public", "value": 25}) is False
    assert matches({"Or": three}, {"type": "Public", "value": 35}) is True
    low = {"Variable": "$.value", "NumericLessThan": 0}
    assert matches({"Or": [low, is_public, PRIVATE]}, {"type": "x", "value": 1}) is False


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"value": 35, "type": "Public"}, True),
        ({"value": 5, "type": "Private"}, True),
        ({"value": 5, "type": "x"}, False),
    ],
)
def test_or_needs_one_rule(data: dict[str, Any], expected: bool) -> None:
    """Or matches when any of its rules matches."""
    assert matches({"Or": [{"Not": LT_30}, PRIVATE]}, data) is expected


def test_not_negates_and_nests() -> None:
    """Not inverts its rule, nested inside And/Or at any depth."""
    rule = {"Not": {"And": [GE_20, {"Or": [{"Not": LT_30}, {"Not": PRIVATE}]}]}}
    assert matches(rule, {"value": 25, "type": "Private"}) is True
    assert matches(rule, {"value": 25, "type": "Public"}) is False
    assert matches(rule, {"value": 10, "type": "Public"}) is True


def test_and_stops_at_the_first_false_rule() -> None:
    """A rule after a false one in an And is not evaluated, so its missing path is no error."""
    missing = {"Variable": "$.missing", "NumericEquals": 1}
    assert matches({"And": [LT_30, missing]}, {"value": 40}) is False
    assert matches({"Or": [LT_30, missing]}, {"value": 10}) is True


def test_a_nested_rule_may_carry_a_comment() -> None:
    """Comment is allowed on nested rules."""
    assert matches({"Not": {**PRIVATE, "Comment": "why"}}, {"type": "Public"}) is True


# --- run-time failures --------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        {"Variable": "$.value", "NumericEquals": 0},
        {"Variable": "$.value", "IsNull": True},
        {"Variable": "$.value", "IsPresent": True, "Comment": "IsPresent is the exception"},
        {"Variable": "$.value", "StringMatches": "*"},
        {"Variable": "$.value", "StringEqualsPath": "$.type"},
    ],
)
def test_missing_variable_fails_with_states_runtime(rule: dict[str, Any]) -> None:
    """Every operator but IsPresent fails the state when the Variable's node is missing."""
    predicate = compiled(rule)
    if "IsPresent" in rule:
        assert predicate({}, None, None) is False
        return
    with pytest.raises(ChoiceRuntimeError) as caught:
        predicate({"type": "x"}, None, None)
    assert caught.value.error == "States.Runtime"
    assert caught.value.cause == (
        "Invalid path '$.value': The choice state's condition path references an invalid value."
    )


def test_missing_path_operand_fails_with_states_runtime() -> None:
    """A ...Path operand naming a missing node fails with that path in the cause."""
    predicate = compiled({"Variable": "$.left", "NumericLessThanEqualsPath": "$.right"})
    with pytest.raises(ChoiceRuntimeError) as caught:
        predicate({"left": 8}, None, None)
    assert caught.value.error == "States.Runtime"
    assert caught.value.cause == (
        "Invalid path '$.right': The choice state's condition path references an invalid value."
    )


def test_undefined_workflow_variable_fails_with_states_runtime() -> None:
    """A Variable naming an undefined workflow variable fails the state."""
    predicate = compiled({"Variable": "$nope.x", "StringEquals": "a"})
    with pytest.raises(ChoiceRuntimeError, match=r"Invalid path '\$nope\.x'"):
        predicate({}, None, {"other": 1})
    with pytest.raises(ChoiceRuntimeError):
        predicate({}, None, None)


def test_missing_node_inside_not_propagates() -> None:
    """Not does not turn a failed evaluation into a match."""
    predicate = compiled({"Not": {"Variable": "$.gone", "BooleanEquals": True}})
    with pytest.raises(ChoiceRuntimeError):
        predicate({}, None, None)


# --- definition-time diagnostics ---------------------------------------------------------


def test_top_level_rule_needs_next() -> None:
    """A rule in Choices without Next is reported at the rule."""
    rule = {"Variable": "$.v", "StringEquals": "a"}
    assert problems(rule) == [(POINTER, "These fields are required: [Next]")]


def test_next_must_be_a_string() -> None:
    """Next must name a state."""
    rule = {"Variable": "$.v", "StringEquals": "a", "Next": 3}
    assert problems(rule) == [(f"{POINTER}/Next", "Expected value of type String")]


def test_nested_rule_may_not_carry_next_or_assign() -> None:
    """Next and Assign belong to top-level rules only."""
    rule = {"And": [{"Variable": "$.v", "IsNull": True, "Next": "X", "Assign": {}}], "Next": "Y"}
    assert problems(rule) == [
        (f"{POINTER}/And/0/Next", "Field 'Next' is not supported"),
        (f"{POINTER}/And/0/Assign", "Field 'Assign' is not supported"),
    ]


def test_top_level_rule_may_carry_assign_and_comment() -> None:
    """Assign and Comment are accepted on a top-level rule and do not affect matching."""
    rule = {"Variable": "$.v", "IsNull": True, "Assign": {"x": 1}, "Comment": "c"}
    assert matches(rule, {"v": None}) is True


def test_unknown_operator_is_reported() -> None:
    """An unknown field such as a misspelt operator is reported once, at the field."""
    rule = {"Variable": "$.v", "StringContains": "a", "Next": "X"}
    assert problems(rule) == [
        (f"{POINTER}/StringContains", "Field 'StringContains' is not supported")
    ]


def test_unknown_field_pointer_is_escaped() -> None:
    """Field names are escaped in JSON pointers."""
    rule = {"Variable": "$.v", "IsNull": True, "a/b~c": 1, "Next": "X"}
    assert problems(rule) == [(f"{POINTER}/a~1b~0c", "Field 'a/b~c' is not supported")]


def test_comparison_needs_an_operator() -> None:
    """A Variable without any operator is reported."""
    assert problems({"Variable": "$.v", "Next": "X"}) == [
        (POINTER, "A rule with 'Variable' must have one comparison operator, e.g. 'StringEquals'")
    ]


def test_comparison_takes_only_one_operator() -> None:
    """Two operators in one rule are reported with their names."""
    rule = {"Variable": "$.v", "StringEquals": "a", "IsNull": True, "Next": "X"}
    assert problems(rule) == [
        (POINTER, "There should only be one of the following fields: [StringEquals, IsNull]")
    ]


def test_operator_needs_a_variable() -> None:
    """An operator without Variable is reported."""
    rule = {"StringEquals": "a", "Next": "X"}
    assert problems(rule) == [(POINTER, "These fields are required: [Variable]")]


def test_rule_needs_a_condition() -> None:
    """A rule with nothing to test is reported."""
    assert problems({"Next": "X"}) == [
        (POINTER, "The choice rule must have one of the following fields: [And, Or, Not, Variable]")
    ]


def test_rule_with_only_unknown_fields_reports_them() -> None:
    """Unknown fields in a rule with nothing to test are reported, without a second message."""
    assert problems({"Foo": 1, "Next": "X"}) == [(f"{POINTER}/Foo", "Field 'Foo' is not supported")]


def test_rule_takes_one_kind_of_condition() -> None:
    """And together with Variable is reported."""
    rule = {"And": [PRIVATE], "Variable": "$.v", "IsNull": True, "Next": "X"}
    assert problems(rule) == [
        (POINTER, "There should only be one of the following fields: [And, Variable]")
    ]


def test_combinator_rejects_comparison_fields() -> None:
    """An operator beside Not is not supported."""
    rule = {"Not": PRIVATE, "IsNull": True, "Next": "X"}
    assert problems(rule) == [(f"{POINTER}/IsNull", "Field 'IsNull' is not supported")]


@pytest.mark.parametrize(
    ("variable"),
    ["v", "$.a[*]", "$..a", "$.a[?(@.b)]", "States.Format('x')", 3, None],
)
def test_variable_must_be_a_reference_path(variable: Any) -> None:
    """Variable must be a definite path."""
    rule = {"Variable": variable, "IsNull": True, "Next": "X"}
    assert problems(rule) == [
        (f"{POINTER}/Variable", "The value for the field 'Variable' must be a valid ReferencePath")
    ]


@pytest.mark.parametrize("operand", ["a", "$.a[*]", 3, None])
def test_path_operand_must_be_a_reference_path(operand: Any) -> None:
    """A ...Path operand must be a definite path."""
    rule = {"Variable": "$.v", "NumericEqualsPath": operand, "Next": "X"}
    assert problems(rule) == [
        (
            f"{POINTER}/NumericEqualsPath",
            "The value for the field 'NumericEqualsPath' must be a valid ReferencePath",
        )
    ]


@pytest.mark.parametrize(
    ("operator", "operand", "message"),
    [
        ("NumericEquals", "1", "Expected value of type Number"),
        ("NumericLessThan", True, "Expected value of type Number"),
        ("NumericGreaterThan", None, "Expected value of type Number"),
        ("StringEquals", 1, "Expected value of type String"),
        ("StringLessThan", None, "Expected value of type String"),
        ("StringMatches", 1, "Expected value of type String"),
        ("BooleanEquals", 1, "Expected value of type Boolean"),
        ("BooleanEquals", "true", "Expected value of type Boolean"),
        ("TimestampEquals", 0, "Expected value of type String"),
        ("TimestampLessThan", "2016-12-05T21:29:29", "String does not match RFC3339 timestamp"),
        ("TimestampGreaterThan", "2016-13-05T21:29:29Z", "String does not match RFC3339 timestamp"),
        ("IsNull", "true", "Expected value of type Boolean"),
        ("IsPresent", 1, "Expected value of type Boolean"),
        ("IsNumeric", None, "Expected value of type Boolean"),
        ("IsString", "yes", "Expected value of type Boolean"),
        ("IsBoolean", 0, "Expected value of type Boolean"),
        ("IsTimestamp", [], "Expected value of type Boolean"),
    ],
)
def test_operand_type_must_fit_the_operator(operator: str, operand: Any, message: str) -> None:
    """A literal of the wrong type for its operator is reported at the operator."""
    rule = {"Variable": "$.v", operator: operand, "Next": "X"}
    assert problems(rule) == [(f"{POINTER}/{operator}", message)]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"And": [], "Next": "X"}, [(f"{POINTER}/And", "Value cannot be empty")]),
        ({"Or": {}, "Next": "X"}, [(f"{POINTER}/Or", "Expected value of type Array")]),
        ({"Not": [], "Next": "X"}, [(f"{POINTER}/Not", "Expected value of type Object")]),
        ({"And": ["x"], "Next": "X"}, [(f"{POINTER}/And/0", "Expected value of type Object")]),
    ],
)
def test_combinator_operands_are_checked(rule: dict[str, Any], expected: list[Any]) -> None:
    """And/Or take a non-empty array of rules, Not takes one rule."""
    assert problems(rule) == expected


def test_every_problem_in_nested_rules_is_reported() -> None:
    """Diagnostics from several nested rules are all collected, each with its pointer."""
    rule = {
        "Or": [
            {"Variable": "$.a", "NumericEquals": "1"},
            {"Not": {"Variable": "nope", "IsNull": True}},
            {"Variable": "$.b", "Condition": "{% true %}", "IsNull": True},
        ],
        "Next": "X",
    }
    assert problems(rule) == [
        (f"{POINTER}/Or/0/NumericEquals", "Expected value of type Number"),
        (
            f"{POINTER}/Or/1/Not/Variable",
            "The value for the field 'Variable' must be a valid ReferencePath",
        ),
        (f"{POINTER}/Or/2/Condition", "Field 'Condition' is not supported"),
    ]


def test_non_object_rule_is_reported() -> None:
    """A rule that is not an object is reported."""
    assert problems("rule") == [(POINTER, "Expected value of type Object")]


def test_jsonata_condition_rule_is_left_to_the_jsonata_adapter() -> None:
    """A top-level Condition rule yields no predicate and no diagnostic."""
    diagnostics: list[Diagnostic] = []
    rule = {"Condition": "{% $states.input.x %}", "Next": "X"}
    assert compile_rule(rule, POINTER, diagnostics) is None
    assert diagnostics == []


def test_nested_rule_compiles_without_next() -> None:
    """With top_level=False a rule compiles without Next."""
    assert compiled(PRIVATE, top_level=False)({"type": "Private"}, None, None) is True


def test_operator_set_is_complete() -> None:
    """All 39 comparison operators of the JSONPath language are known."""
    assert len(OPERATORS) == 39
    assert {"StringMatches", "IsPresent", "BooleanEqualsPath", "TimestampLessThanPath"} <= OPERATORS


# --- properties ---------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()


@given(
    pattern=st.text().filter(lambda text: "*" not in text and "\\" not in text), value=json_scalars
)
def test_string_matches_without_wildcards_is_string_equals(pattern: str, value: Any) -> None:
    """StringMatches with a pattern free of wildcards and escapes behaves as StringEquals."""
    data = {"v": value}
    assert matches({"Variable": "$.v", "StringMatches": pattern}, data) is matches(
        {"Variable": "$.v", "StringEquals": pattern}, data
    )


@given(literal=st.text(), value=st.text())
def test_escaped_literal_matches_only_itself(literal: str, value: str) -> None:
    """Escaping every star and backslash makes StringMatches an equality test."""
    pattern = literal.replace("\\", "\\\\").replace("*", "\\*")
    rule = {"Variable": "$.v", "StringMatches": pattern}
    assert matches(rule, {"v": value}) is (value == literal)
    assert matches(rule, {"v": literal}) is True


finite = st.integers() | st.floats(allow_nan=False, allow_infinity=False)


@given(literal=finite, value=finite)
def test_numeric_less_than_negates_greater_than_equals(literal: float, value: float) -> None:
    """For finite numbers NumericLessThan is the negation of NumericGreaterThanEquals."""
    data = {"v": value}
    less = matches({"Variable": "$.v", "NumericLessThan": literal}, data)
    assert less is not matches({"Variable": "$.v", "NumericGreaterThanEquals": literal}, data)
    assert less is matches(
        {"Variable": "$.v", "NumericLessThanPath": "$.w"}, {**data, "w": literal}
    )


@given(literal=st.text(), value=st.text())
def test_string_orderings_are_consistent(literal: str, value: str) -> None:
    """Exactly one of StringLessThan, StringEquals, StringGreaterThan holds."""
    data = {"v": value}
    outcomes = [
        matches({"Variable": "$.v", op: literal}, data)
        for op in ("StringLessThan", "StringEquals", "StringGreaterThan")
    ]
    assert outcomes.count(True) == 1
    assert matches({"Variable": "$.v", "StringLessThanEquals": literal}, data) is (
        outcomes[0] or outcomes[1]
    )


aware = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.builds(
        timezone, st.integers(-18 * 60, 18 * 60).map(lambda minutes: timedelta(minutes=minutes))
    ),
)


@given(first=aware, second=aware)
def test_timestamp_order_is_instant_order(first: datetime, second: datetime) -> None:
    """Timestamps in any offset compare as the instants they name."""
    data = {"v": first.isoformat()}
    literal = second.isoformat()
    assert matches({"Variable": "$.v", "TimestampLessThan": literal}, data) is (first < second)
    assert matches({"Variable": "$.v", "TimestampEquals": literal}, data) is (first == second)


@given(value=json_scalars)
def test_not_inverts_any_rule(value: Any) -> None:
    """Not(rule) is the negation of rule for every value."""
    rule = {"Variable": "$.v", "NumericGreaterThan": 0}
    data = {"v": value}
    assert matches({"Not": rule}, data) is not matches(rule, data)
