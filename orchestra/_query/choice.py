"""Choice rules (JSONPath query language), compiled once into predicates.

``compile_rule`` turns one element of a Choice state's ``Choices`` into a predicate
``(input, context, variables) -> bool``. Every decision that depends only on the definition is
taken here: which operator, the literal's parsed value, how the ``Variable`` is read, which
comparison closure runs. Evaluating a rule is then a path lookup and one or two C-level
comparisons.

The operators, the types of their operands and how each compares a value are in
:mod:`.choice_operators`. ``IsPresent`` is the only operator that tolerates a missing
``Variable``; any other operator, and any ``...Path`` operand, that names a missing node fails
the state with ``States.Runtime``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from orchestra import errors
from orchestra.errors import Diagnostic

from .choice_operators import OPERATORS, PairTest, Test, literal_test, pair_test, takes_path
from .failures import QueryFailure
from .paths import Path, PathSyntaxError, Step, compile_reference_path
from .pointers import child

Predicate = Callable[[Any, Any, Mapping[str, Any] | None], bool]
"""A compiled rule: ``predicate(input, context, variables)`` tells whether the rule matches,
as ``True`` or ``False`` themselves (And and Or compare them by identity)."""

_Getter = Callable[[Any, Any, Mapping[str, Any] | None], Any]

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
    # And stops at the first rule that does not match, Or at the first that does.
    return _junction(predicates, decisive=kind == "Or")


def _junction(predicates: list[Predicate], *, decisive: bool) -> Predicate:
    """The first predicate to yield ``decisive`` decides; if none does, the opposite holds."""
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        # Two rules are the common case: no loop.
        first, second = predicates
        return lambda data, context, variables: (
            decisive
            if first(data, context, variables) is decisive
            else second(data, context, variables)
        )
    every = tuple(predicates)

    def junction(data: Any, context: Any, variables: Mapping[str, Any] | None) -> bool:
        for predicate in every:
            if predicate(data, context, variables) is decisive:
                return decisive
        return not decisive

    return junction


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
    test = literal_test(name, operand, operand_pointer, diagnostics)
    other: Path | None = None
    if test is None and takes_path(name):
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
    return _path_predicate(get, _getter(other), pair_test(name), cause, _missing_cause(other))


def _is_present(get: _Getter, expected: bool) -> Predicate:
    if expected:
        return lambda data, context, variables: get(data, context, variables) is not _MISSING
    return lambda data, context, variables: get(data, context, variables) is _MISSING


def _literal_predicate(get: _Getter, test: Test, cause: str) -> Predicate:
    def predicate(data: Any, context: Any, variables: Mapping[str, Any] | None) -> bool:
        value = get(data, context, variables)
        if value is _MISSING:
            raise ChoiceRuntimeError(errors.RUNTIME, cause)
        return test(value)

    return predicate


def _path_predicate(
    get: _Getter, get_other: _Getter, test: PairTest, cause: str, other_cause: str
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
