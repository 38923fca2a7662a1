"""Choice rules (JSONPath query language), compiled once into predicates.

``compile_rule`` turns one element of a Choice state's ``Choices`` into a predicate
``(input, context, variables) -> bool``. Every decision that depends only on the definition is
taken here: which operator, the literal's parsed value, how the ``Variable`` is read, which
comparison closure runs. Evaluating a rule is then a path lookup and one or two C-level
comparisons.

Semantics follow AWS:

- A value of the wrong type never matches (``NumericEquals`` on a string, ``BooleanEquals`` on
  ``0``); booleans are not numbers; integers and floats compare by value.
- Strings order as Java's ``String.compareTo`` does: by UTF-16 code unit.
- Timestamps are parsed as Java's ``ISO_OFFSET_DATE_TIME`` does (the format AWS names in its
  Wait errors) and compared as instants; a value that does not parse never matches.
- ``IsPresent`` is the only operator that tolerates a missing ``Variable``; any other operator,
  and any ``...Path`` operand, that names a missing node fails the state with
  ``States.Runtime``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from orchestra import errors
from orchestra.errors import Diagnostic

from .failures import QueryFailure
from .paths import Path, PathSyntaxError, Step, compile_reference_path
from .pointers import child

Predicate = Callable[[Any, Any, Mapping[str, Any] | None], bool]
"""A compiled rule: ``predicate(input, context, variables)`` tells whether the rule matches."""

_Getter = Callable[[Any, Any, Mapping[str, Any] | None], Any]
_Test = Callable[[Any], bool]
_PairTest = Callable[[Any, Any], bool]
_Compare = Callable[[Any, Any], bool]

_CODE: Final = "SCHEMA_VALIDATION_FAILED"
_MISSING: Final = object()


class ChoiceRuntimeError(QueryFailure):
    """Evaluating a Choice rule failed at run time.

    Attributes:
        error: the ASL error name, ``States.Runtime``.
        cause: AWS's cause text, without the "An error occurred while executing the state ..."
            prefix that the engine adds.
    """


def _missing_cause(path: Path) -> str:
    return f"Invalid path '{path.text}': The choice state's condition path references an invalid value."


# --- timestamps -----------------------------------------------------------------------------

_TIMESTAMP: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?"
    r"(?:[Zz]|([+-])([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)"
)
_DAYS_IN_MONTH: Final = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MAX_OFFSET_SECONDS: Final = 18 * 3600


def _days_from_civil(year: int, month: int, day: int) -> int:
    # Proleptic Gregorian, year 0 included, as java.time counts; datetime.date stops at year 1.
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def parse_timestamp(text: str) -> int | None:
    """The instant ``text`` names, in nanoseconds since the epoch, or None if it is not one.

    Accepts what Java's ``ISO_OFFSET_DATE_TIME`` accepts with its strict resolver: a 4-digit
    year, ``T`` (any case), seconds and up to nine fraction digits optional, and an offset that
    is ``Z`` (any case) or ``±HH:MM[:SS]`` within ±18:00. Calendar fields must exist
    (no February 30th, no hour 24, no leap second).
    """
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    year_s, month_s, day_s, hour_s, minute_s, second_s, fraction, sign, oh, om, os_ = match.groups()
    year, month, day = int(year_s), int(month_s), int(day_s)
    hour, minute = int(hour_s), int(minute_s)
    second = int(second_s) if second_s else 0
    if not 1 <= month <= 12 or hour > 23 or minute > 59 or second > 59 or day < 1:
        return None
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if day > _DAYS_IN_MONTH[month - 1] + (month == 2 and leap):
        return None
    offset = 0
    if sign is not None:
        offset_hours, offset_minutes = int(oh), int(om)
        offset_seconds = int(os_) if os_ else 0
        if offset_minutes > 59 or offset_seconds > 59:
            return None
        offset = offset_hours * 3600 + offset_minutes * 60 + offset_seconds
        if offset > _MAX_OFFSET_SECONDS:
            return None
        if sign == "-":
            offset = -offset
    seconds = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    nanos = int(fraction.ljust(9, "0")) if fraction else 0
    return (seconds - offset) * 1_000_000_000 + nanos


# --- reading the Variable -------------------------------------------------------------------


def _walker(steps: tuple[Step, ...]) -> Callable[[Any], Any]:
    """Follow definite steps the way paths.Path does, yielding _MISSING instead of raising."""

    def walk(node: Any) -> Any:
        for step in steps:
            if type(step) is str:
                if type(node) is not dict:
                    return _MISSING
                node = node.get(step, _MISSING)
                if node is _MISSING:
                    return _MISSING
            else:
                assert type(step) is int
                if type(node) is not list or not -len(node) <= step < len(node):
                    return _MISSING
                node = node[step]
        return node

    return walk


def _getter(path: Path) -> _Getter:
    """Read a reference path; a missing node yields the _MISSING sentinel, never an exception."""
    steps = path.steps
    if path.root == "variable":
        name = path.variable
        assert name is not None
        walk_variable = _walker(steps)

        def get_variable(data: Any, context: Any, variables: Mapping[str, Any] | None) -> Any:
            if variables is None:
                return _MISSING
            value = variables.get(name, _MISSING)
            return _MISSING if value is _MISSING else walk_variable(value)

        return get_variable
    if path.root == "context":
        walk_context = _walker(steps)
        return lambda data, context, variables: walk_context(context)
    if not steps:
        return lambda data, context, variables: data
    if len(steps) == 1 and type(steps[0]) is str:
        # `$.field` is by far the most common Variable: one dict lookup, no loop.
        field = steps[0]

        def get_field(data: Any, context: Any, variables: Mapping[str, Any] | None) -> Any:
            return data.get(field, _MISSING) if type(data) is dict else _MISSING

        return get_field
    walk_input = _walker(steps)
    return lambda data, context, variables: walk_input(data)


# --- comparisons ------------------------------------------------------------------------------

_ORDERINGS: Final[dict[str, _Compare]] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-be", "surrogatepass")


def _string_test(compare: _Compare, literal: str) -> _Test:
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


def _string_pair(compare: _Compare) -> _PairTest:
    def test(value: Any, other: Any) -> bool:
        if type(value) is not str or type(other) is not str:
            return False
        if compare is operator.eq or value.isascii() or other.isascii():
            return compare(value, other)
        return compare(_utf16(value), _utf16(other))

    return test


def _numeric_test(compare: _Compare, literal: float) -> _Test:
    def test(value: Any) -> bool:
        kind = type(value)
        return (kind is int or kind is float) and compare(value, literal)

    return test


def _numeric_pair(compare: _Compare) -> _PairTest:
    def test(value: Any, other: Any) -> bool:
        kind, other_kind = type(value), type(other)
        return (
            (kind is int or kind is float)
            and (other_kind is int or other_kind is float)
            and compare(value, other)
        )

    return test


def _timestamp_test(compare: _Compare, literal: int) -> _Test:
    def test(value: Any) -> bool:
        if type(value) is not str:
            return False
        instant = parse_timestamp(value)
        return instant is not None and compare(instant, literal)

    return test


def _timestamp_pair(compare: _Compare) -> _PairTest:
    def test(value: Any, other: Any) -> bool:
        if type(value) is not str or type(other) is not str:
            return False
        instant = parse_timestamp(value)
        if instant is None:
            return False
        other_instant = parse_timestamp(other)
        return other_instant is not None and compare(instant, other_instant)

    return test


def _boolean_test(compare: _Compare, literal: bool) -> _Test:
    # JSON booleans are the True/False singletons, so identity is the type check too.
    return lambda value: value is literal


def _boolean_pair(compare: _Compare) -> _PairTest:
    return lambda value, other: type(value) is bool and value is other


def _string_matches_test(pattern: str) -> _Test:
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


_TYPE_TESTS: Final[dict[str, _Test]] = {
    "IsNull": lambda value: value is None,
    "IsNumeric": lambda value: type(value) is int or type(value) is float,
    "IsString": lambda value: type(value) is str,
    "IsBoolean": lambda value: type(value) is bool,
    "IsTimestamp": lambda value: type(value) is str and parse_timestamp(value) is not None,
}


# --- the operator table ------------------------------------------------------------------------

_Literal = Callable[[_Compare, Any], _Test]


class _Family:
    """One operand type: how its literal is checked and how each comparison is built."""

    __slots__ = ("check", "expected", "literal", "pair")

    def __init__(
        self,
        expected: str,
        check: Callable[[Any], bool],
        literal: _Literal,
        pair: Callable[[_Compare], _PairTest],
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

_COMBINATORS: Final = ("And", "Or", "Not")
_RULE_KINDS: Final = (*_COMBINATORS, "Variable")


# --- compiling ------------------------------------------------------------------------------------


def compile_rule(
    rule: Mapping[str, Any],
    pointer: str,
    diagnostics: list[Diagnostic],
    *,
    top_level: bool = True,
) -> Predicate | None:
    """Compile one Choice rule (JSONPath) into a predicate.

    Args:
        rule: an element of ``Choices`` (``top_level``) or a rule nested in ``And``/``Or``/``Not``.
        pointer: the JSON pointer of ``rule``, e.g. ``/States/Check/Choices/0``.
        diagnostics: every problem found is appended here.
        top_level: whether ``rule`` is an element of ``Choices`` (it then needs ``Next``, may
            carry ``Assign``); nested rules may carry neither.

    Returns:
        The predicate, or None when a problem was found or when the rule is a JSONata
        ``Condition`` rule, which this module leaves to the JSONata adapter without a diagnostic.

    The predicate raises ``ChoiceRuntimeError`` when an operator other than ``IsPresent``
    names a node that does not exist.
    """
    if not isinstance(rule, Mapping):
        diagnostics.append(Diagnostic(_CODE, pointer, "Expected value of type Object"))
        return None
    if top_level and "Condition" in rule:
        return None
    before = len(diagnostics)
    if top_level:
        next_state = rule.get("Next")
        if next_state is None:
            diagnostics.append(Diagnostic(_CODE, pointer, "These fields are required: [Next]"))
        elif type(next_state) is not str:
            diagnostics.append(
                Diagnostic(_CODE, f"{pointer}/Next", "Expected value of type String")
            )
    kinds = [kind for kind in _RULE_KINDS if kind in rule]
    if len(kinds) > 1:
        diagnostics.append(
            Diagnostic(
                _CODE,
                pointer,
                f"There should only be one of the following fields: [{', '.join(kinds)}]",
            )
        )
        return None
    operators = [key for key in rule if key in OPERATORS]
    if kinds and kinds[0] != "Variable":
        allowed = {kinds[0], "Comment"}
    else:
        allowed = {"Variable", "Comment", *operators}
    if top_level:
        allowed |= {"Next", "Assign"}
    unsupported = [key for key in rule if key not in allowed]
    diagnostics.extend(
        Diagnostic(_CODE, child(pointer, key), f"Field '{key}' is not supported")
        for key in unsupported
    )
    if not kinds:
        if operators:
            diagnostics.append(Diagnostic(_CODE, pointer, "These fields are required: [Variable]"))
        elif not unsupported:
            diagnostics.append(
                Diagnostic(
                    _CODE,
                    pointer,
                    "The choice rule must have one of the following fields: [And, Or, Not, Variable]",
                )
            )
        return None
    if kinds[0] == "Variable":
        predicate = _compile_comparison(rule, pointer, operators, bool(unsupported), diagnostics)
    else:
        predicate = _compile_combinator(kinds[0], rule[kinds[0]], pointer, diagnostics)
    return predicate if len(diagnostics) == before else None


def _compile_combinator(
    kind: str, operand: Any, pointer: str, diagnostics: list[Diagnostic]
) -> Predicate | None:
    field_pointer = f"{pointer}/{kind}"
    if kind == "Not":
        if not isinstance(operand, Mapping):
            diagnostics.append(Diagnostic(_CODE, field_pointer, "Expected value of type Object"))
            return None
        inner = compile_rule(operand, field_pointer, diagnostics, top_level=False)
        if inner is None:
            return None
        return lambda data, context, variables: not inner(data, context, variables)
    if not isinstance(operand, list):
        diagnostics.append(Diagnostic(_CODE, field_pointer, "Expected value of type Array"))
        return None
    if not operand:
        diagnostics.append(Diagnostic(_CODE, field_pointer, "Value cannot be empty"))
        return None
    compiled = [
        compile_rule(item, f"{field_pointer}/{index}", diagnostics, top_level=False)
        for index, item in enumerate(operand)
    ]
    predicates: list[Predicate] = []
    for predicate in compiled:
        if predicate is None:
            return None
        predicates.append(predicate)
    if len(predicates) == 1:
        return predicates[0]
    if kind == "And":
        if len(predicates) == 2:
            first, second = predicates
            return lambda data, context, variables: (
                first(data, context, variables) and second(data, context, variables)
            )
        every = tuple(predicates)

        def conjunction(data: Any, context: Any, variables: Mapping[str, Any] | None) -> bool:
            for predicate in every:  # noqa: SIM110 - all() would build a generator per evaluation
                if not predicate(data, context, variables):
                    return False
            return True

        return conjunction
    if len(predicates) == 2:
        first, second = predicates
        return lambda data, context, variables: (
            first(data, context, variables) or second(data, context, variables)
        )
    some = tuple(predicates)

    def disjunction(data: Any, context: Any, variables: Mapping[str, Any] | None) -> bool:
        for predicate in some:  # noqa: SIM110 - any() would build a generator per evaluation
            if predicate(data, context, variables):
                return True
        return False

    return disjunction


def _reference_path(
    value: Any, field: str, pointer: str, diagnostics: list[Diagnostic]
) -> Path | None:
    if type(value) is str:
        try:
            return compile_reference_path(value)
        except PathSyntaxError:
            pass
    diagnostics.append(
        Diagnostic(
            _CODE,
            f"{pointer}/{field}",
            f"The value for the field '{field}' must be a valid ReferencePath",
        )
    )
    return None


def _compile_comparison(
    rule: Mapping[str, Any],
    pointer: str,
    operators: list[str],
    reported_unsupported: bool,
    diagnostics: list[Diagnostic],
) -> Predicate | None:
    variable = _reference_path(rule["Variable"], "Variable", pointer, diagnostics)
    if len(operators) > 1:
        diagnostics.append(
            Diagnostic(
                _CODE,
                pointer,
                f"There should only be one of the following fields: [{', '.join(operators)}]",
            )
        )
        return None
    if not operators:
        if not reported_unsupported:
            diagnostics.append(
                Diagnostic(
                    _CODE,
                    pointer,
                    "A rule with 'Variable' must have one comparison operator, e.g. 'StringEquals'",
                )
            )
        return None
    name = operators[0]
    operand = rule[name]
    operand_pointer = f"{pointer}/{name}"
    test = _operator_test(name, operand, operand_pointer, diagnostics)
    other: Path | None = None
    if test is None and name in _COMPARISONS and _COMPARISONS[name][2]:
        other = _reference_path(operand, name, pointer, diagnostics)
    if variable is None or (test is None and other is None):
        return None
    get = _getter(variable)
    if name == "IsPresent":
        return _is_present(get, operand)
    cause = _missing_cause(variable)
    if other is None:
        assert test is not None
        return _literal_predicate(get, test, cause)
    family, compare, _ = _COMPARISONS[name]
    return _path_predicate(get, _getter(other), family.pair(compare), cause, _missing_cause(other))


def _operator_test(
    name: str, operand: Any, pointer: str, diagnostics: list[Diagnostic]
) -> _Test | None:
    """The test for a literal operand, or None (with a diagnostic unless it is a Path operator)."""
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


def _is_present(get: _Getter, expected: bool) -> Predicate:
    if expected:
        return lambda data, context, variables: get(data, context, variables) is not _MISSING
    return lambda data, context, variables: get(data, context, variables) is _MISSING


def _literal_predicate(get: _Getter, test: _Test, cause: str) -> Predicate:
    def predicate(data: Any, context: Any, variables: Mapping[str, Any] | None) -> bool:
        value = get(data, context, variables)
        if value is _MISSING:
            raise ChoiceRuntimeError(errors.RUNTIME, cause)
        return test(value)

    return predicate


def _path_predicate(
    get: _Getter, get_other: _Getter, test: _PairTest, cause: str, other_cause: str
) -> Predicate:
    def predicate(data: Any, context: Any, variables: Mapping[str, Any] | None) -> bool:
        value = get(data, context, variables)
        if value is _MISSING:
            raise ChoiceRuntimeError(errors.RUNTIME, cause)
        other = get_other(data, context, variables)
        if other is _MISSING:
            raise ChoiceRuntimeError(errors.RUNTIME, other_cause)
        return test(value, other)

    return predicate
