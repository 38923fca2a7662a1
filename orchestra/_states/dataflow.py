"""JSONPath data flow: InputPath -> Parameters -> (work) -> ResultSelector -> ResultPath -> OutputPath.

Each field is compiled once into a small closure; a field left at its default compiles to
None so that the hot path skips it. Data is never copied unless a field builds a new value:
ResultPath copies only the containers along its path.

The other fields that read a value by path are compiled here too: a ``.$``-like field
(ErrorPath, CausePath), and a number given literally, as an expression or by its Path twin
(TimeoutSeconds, MaxConcurrency, Seconds, ...), each with its own rule for the value found.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from .. import errors
from .._query.failures import QueryFailure
from .._query.growth import Growth, Merge, result_merge
from .._query.jsonata import is_expression
from .._query.paths import (
    PathApplyError,
    PathNotFound,
    compile_path,
    compile_reference_path,
    set_at,
)
from .._query.templates import Evaluator, compile_dynamic, compile_template, template_growth
from .jsonata_flow import compile_number
from .run import Visit

Selector = Callable[[Any, Visit], Any]
Merger = Callable[[Any, Any, Visit], Any]

_ABSENT: Final = object()


def compile_selector(definition: Mapping[str, Any], field: str) -> Selector | None:
    """InputPath / OutputPath / ItemsPath: None when absent or ``$``; ``null`` yields ``{}``."""
    text = definition.get(field, _ABSENT)
    if text is _ABSENT or text == "$":
        return None
    if text is None:
        return lambda data, visit: {}
    return compile_path_value(text)


def compile_path_value(
    text: str, read: Callable[[Any], Any] | None = None, *, missing: str | None = None
) -> Selector:
    """The value at the path ``text``, passed through ``read`` when given.

    Args:
        text: the path.
        read: turns the value into what the field needs; raises ``QueryFailure`` for a value
            the field refuses.
        missing: the cause when the path finds nothing, ``{text}`` standing for the path; by
            default the path's own message.
    """
    path = compile_path(text)

    def select(data: Any, visit: Visit) -> Any:
        try:
            # The context object is built only for a path that reads it.
            value = path.get(
                data, visit.context if path.root == "context" else None, visit.variables
            )
        except PathNotFound as exc:
            cause = str(exc) if missing is None else missing.format(text=text)
            raise visit.fail(QueryFailure(errors.RUNTIME, cause)) from None
        if read is None:
            return value
        try:
            return read(value)
        except QueryFailure as failure:
            raise visit.fail(failure) from None

    return select


def compile_number_field(
    definition: Mapping[str, Any],
    field: str,
    cast: Callable[[Any], float],
    read_path: Callable[[Any, str], Any],
    *,
    integer: bool = True,
    missing: str | None = None,
) -> Selector | None:
    """A number given literally, as a JSONata expression, or by its ``{field}Path`` twin.

    Args:
        definition: the state (or the part of it) that holds the field.
        field: the field's name, such as ``TimeoutSeconds``.
        cast: the number's type (``int`` or ``float``), applied to what every form yields.
        read_path: the number at ``{field}Path``, from the value found there and the path's
            text; raises ``QueryFailure`` with AWS's cause for a value the field refuses.
        integer: whether an expression must evaluate to an integer.
        missing: the cause when ``{field}Path`` finds nothing, ``{text}`` standing for the
            path; by default the path's own message.

    Returns:
        ``(data, visit) -> number``, or None when neither the field nor its twin is present.
    """
    value = definition.get(field)
    if is_expression(value):
        evaluate = compile_number(value, field, integer=integer)
        return lambda data, visit: cast(evaluate(visit))
    if field in definition:
        constant = cast(value)
        return lambda data, visit: constant
    text = definition.get(f"{field}Path")
    if text is None:
        return None
    return compile_path_value(text, lambda found: cast(read_path(found, text)), missing=missing)


def compile_payload(definition: Mapping[str, Any], field: str) -> Selector | None:
    """Parameters / ResultSelector / ItemSelector: None when absent."""
    if field not in definition:
        return None
    template = definition[field]
    return _on_visit(compile_template(template), reads_context="$$" in json.dumps(template))


def compile_dynamic_field(definition: Mapping[str, Any], field: str) -> Selector | None:
    """A field that holds a path or an intrinsic call, as a ``.$`` field of a template does
    (ErrorPath, CausePath): None when absent."""
    text = definition.get(field)
    if text is None:
        return None
    return _on_visit(compile_dynamic(field, text), reads_context="$$" in text)


def _on_visit(evaluate: Evaluator, *, reads_context: bool) -> Selector:
    def build(data: Any, visit: Visit) -> Any:
        # The context object is built only for what reads it.
        context = visit.context if reads_context else None
        try:
            return evaluate(data, context, visit.variables, visit.run.rng)
        except QueryFailure as failure:
            raise visit.fail(failure) from None

    return build


def compile_result_path(definition: Mapping[str, Any]) -> Merger | None:
    """ResultPath: None when absent or ``$`` (the result replaces the input)."""
    text = definition.get("ResultPath", _ABSENT)
    if text is _ABSENT or text == "$":
        return None
    if text is None:
        return lambda raw, result, visit: raw
    path = compile_reference_path(text)

    def merge(raw: Any, result: Any, visit: Visit) -> Any:
        try:
            return set_at(path, raw, result)
        except PathApplyError as exc:
            raise visit.fail(QueryFailure(errors.RESULT_PATH_MATCH_FAILURE, exc.message)) from None

    return merge


def payload_growth(definition: Mapping[str, Any], field: str) -> Growth | None:
    """The growth of a payload template field (None when absent)."""
    if field not in definition:
        return None
    return template_growth(definition[field])


def compile_result_bound(definition: Mapping[str, Any]) -> Merge | None:
    """ResultPath on bounds (see ``_query.growth.result_merge``); None for ``null``."""
    text = definition.get("ResultPath", _ABSENT)
    if text is _ABSENT or text == "$":
        return result_merge(None)
    if text is None:
        return None
    return result_merge(compile_reference_path(text).steps)


def error_output(error: str | None, cause: str | None) -> dict[str, Any]:
    """The value a Catcher passes on: AWS always sets both keys, ``Cause`` "" when absent."""
    return {
        "Error": error if error is not None else "",
        "Cause": cause if cause is not None else "",
    }
