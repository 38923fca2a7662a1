"""The comparison operators of Choice rules (JSONPath): their operand types and their tests.

Each operator belongs to a family (String, Numeric, Boolean, Timestamp) that says which type
its literal operand must have and how a value compares with it; every ``...Path`` variant
compares with the value at another path instead. A value of the wrong type never matches.
Strings order as Java's ``String.compareTo`` does, by UTF-16 code unit; timestamps compare as
instants.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, Final

from orchestra.errors import Diagnostic

from .timestamps import parse_timestamp

Test = Callable[[Any], bool]
"""A test of a value against a literal operand."""

PairTest = Callable[[Any, Any], bool]
"""A test of a value against the value a ``...Path`` operand names."""

_Compare = Callable[[Any, Any], bool]

_CODE: Final = "SCHEMA_VALIDATION_FAILED"

# --- comparisons -----------------------------------------------------------------------------

_ORDERINGS: Final[dict[str, _Compare]] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-be", "surrogatepass")


def _string_test(compare: _Compare, literal: str) -> Test:
    if compare is operator.eq:
        return lambda value: type(value) is str and value == literal
    literal_ascii = literal.isascii()
    literal_key = _utf16(literal)

    def test(value: Any) -> bool:
        if type(value) is not str:
            return False
        # Code-point and UTF-16 order differ only between two non-ASCII characters.
        if literal_ascii or value.isascii():
            return compare(value, literal)
        return compare(_utf16(value), literal_key)

    return test


def _string_pair(compare: _Compare) -> PairTest:
    def test(value: Any, other: Any) -> bool:
        if type(value) is not str or type(other) is not str:
            return False
        if compare is operator.eq or value.isascii() or other.isascii():
            return compare(value, other)
        return compare(_utf16(value), _utf16(other))

    return test


def _numeric_test(compare: _Compare, literal: float) -> Test:
    def test(value: Any) -> bool:
        kind = type(value)
        return (kind is int or kind is float) and compare(value, literal)

    return test


def _numeric_pair(compare: _Compare) -> PairTest:
    def test(value: Any, other: Any) -> bool:
        kind, other_kind = type(value), type(other)
        return (
            (kind is int or kind is float)
            and (other_kind is int or other_kind is float)
            and compare(value, other)
        )

    return test


def _timestamp_test(compare: _Compare, literal: int) -> Test:
    def test(value: Any) -> bool:
        if type(value) is not str:
            return False
        instant = parse_timestamp(value)
        return instant is not None and compare(instant, literal)

    return test


def _timestamp_pair(compare: _Compare) -> PairTest:
    def test(value: Any, other: Any) -> bool:
        if type(value) is not str or type(other) is not str:
            return False
        instant = parse_timestamp(value)
        if instant is None:
            return False
        other_instant = parse_timestamp(other)
        return other_instant is not None and compare(instant, other_instant)

    return test


def _boolean_test(compare: _Compare, literal: bool) -> Test:
    # JSON booleans are the True/False singletons, so identity is the type check too.
    return lambda value: value is literal


def _boolean_pair(compare: _Compare) -> PairTest:
    return lambda value, other: type(value) is bool and value is other


def _string_matches_test(pattern: str) -> Test:
    """A StringMatches test that runs in time linear in the value, whatever the pattern.

    The pattern's literal parts, between its stars, must appear in order: the first at the
    start, the last at the end, and each one between them at its leftmost place after the one
    before. Taking the leftmost place is never wrong with ``*`` as the only wildcard (a later
    match would leave less room for the rest), so no backtracking is needed.
    """
    parts = _wildcard_parts(pattern)
    if len(parts) == 1:
        literal = parts[0]
        return lambda value: type(value) is str and value == literal
    prefix, *inner, suffix = parts
    middle = [part for part in inner if part]
    least = len(prefix) + len(suffix)
    if not middle:
        return lambda value: (
            type(value) is str
            and len(value) >= least
            and value.startswith(prefix)
            and value.endswith(suffix)
        )

    def test(value: Any) -> bool:
        if not (
            type(value) is str
            and len(value) >= least
            and value.startswith(prefix)
            and value.endswith(suffix)
        ):
            return False
        position, end = len(prefix), len(value) - len(suffix)
        for part in middle:
            found = value.find(part, position, end)
            if found < 0:
                return False
            position = found + len(part)
        return True

    return test


def _wildcard_parts(pattern: str) -> list[str]:
    r"""Split a StringMatches pattern at its unescaped ``*``; ``\*`` and ``\\`` are literals."""
    parts: list[str] = []
    current: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            current.append(next(chars, "\\"))
        elif char == "*":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


_TYPE_TESTS: Final[dict[str, Test]] = {
    "IsNull": lambda value: value is None,
    "IsNumeric": lambda value: type(value) is int or type(value) is float,
    "IsString": lambda value: type(value) is str,
    "IsBoolean": lambda value: type(value) is bool,
    "IsTimestamp": lambda value: type(value) is str and parse_timestamp(value) is not None,
}


# --- the operator table --------------------------------------------------------------------

_Literal = Callable[[_Compare, Any], Test]


class _Family:
    """One operand type: how its literal is checked and how each comparison is built."""

    __slots__ = ("check", "expected", "literal", "pair")

    def __init__(
        self,
        expected: str,
        check: Callable[[Any], bool],
        literal: _Literal,
        pair: Callable[[_Compare], PairTest],
    ) -> None:
        self.expected = expected
        self.check = check
        self.literal = literal
        self.pair = pair


def _is_number(value: Any) -> bool:
    return type(value) is int or type(value) is float


_FAMILIES: Final = {
    "String": _Family("String", lambda v: type(v) is str, _string_test, _string_pair),
    "Numeric": _Family("Number", _is_number, _numeric_test, _numeric_pair),
    "Boolean": _Family("Boolean", lambda v: type(v) is bool, _boolean_test, _boolean_pair),
    "Timestamp": _Family("String", lambda v: type(v) is str, _timestamp_test, _timestamp_pair),
}


def _comparisons() -> dict[str, tuple[_Family, _Compare, bool]]:
    """Operator name -> (family, comparison, whether the operand is a path)."""
    table: dict[str, tuple[_Family, _Compare, bool]] = {}
    for family_name, family in _FAMILIES.items():
        for suffix, compare in _ORDERINGS.items():
            if family_name == "Boolean" and suffix != "Equals":
                continue
            table[family_name + suffix] = (family, compare, False)
            table[family_name + suffix + "Path"] = (family, compare, True)
    return table


_COMPARISONS: Final = _comparisons()

OPERATORS: Final = frozenset([*_COMPARISONS, "StringMatches", "IsPresent", *_TYPE_TESTS])
"""Every comparison operator a JSONPath Choice rule may use."""


def takes_path(name: str) -> bool:
    """Whether the operator ``name`` compares with the value at a path (``...Path``)."""
    return name in _COMPARISONS and _COMPARISONS[name][2]


def pair_test(name: str) -> PairTest:
    """The test of a ``...Path`` operator: a value against the value at the other path."""
    family, compare, _ = _COMPARISONS[name]
    return family.pair(compare)


def literal_test(
    name: str, operand: Any, pointer: str, diagnostics: list[Diagnostic]
) -> Test | None:
    """The test a literal operand makes of a value; None for a Path operator, or with a diagnostic.

    Args:
        name: the operator, one of :data:`OPERATORS`.
        operand: its value in the rule.
        pointer: the JSON pointer of the operand.
        diagnostics: where a problem with the operand is appended.
    """
    if name in _COMPARISONS:
        family, compare, is_path = _COMPARISONS[name]
        if is_path:
            return None
        if not family.check(operand):
            diagnostics.append(
                Diagnostic(_CODE, pointer, f"Expected value of type {family.expected}")
            )
            return None
        if family is _FAMILIES["Timestamp"]:
            instant = parse_timestamp(operand)
            if instant is None:
                diagnostics.append(
                    Diagnostic(_CODE, pointer, "String does not match RFC3339 timestamp")
                )
                return None
            return family.literal(compare, instant)
        return family.literal(compare, operand)
    if name == "StringMatches":
        if type(operand) is not str:
            diagnostics.append(Diagnostic(_CODE, pointer, "Expected value of type String"))
            return None
        return _string_matches_test(operand)
    if type(operand) is not bool:
        diagnostics.append(Diagnostic(_CODE, pointer, "Expected value of type Boolean"))
        return None
    if name == "IsPresent":
        return lambda value: True
    positive = _TYPE_TESTS[name]
    if operand:
        return positive
    return lambda value: not positive(value)
