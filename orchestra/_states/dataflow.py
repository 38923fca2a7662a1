"""JSONPath data flow: InputPath -> Parameters -> (work) -> ResultSelector -> ResultPath -> OutputPath.

Each field is compiled once into a small closure; a field left at its default compiles to
None so that the hot path skips it. Data is never copied unless a field builds a new value:
ResultPath copies only the containers along its path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from .. import errors
from .._query.failures import QueryFailure
from .._query.growth import Growth, Merge, result_merge
from .._query.paths import (
    PathApplyError,
    PathNotFound,
    compile_path,
    compile_reference_path,
    set_at,
)
from .._query.templates import compile_template, template_growth
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
    path = compile_path(text)

    def select(data: Any, visit: Visit) -> Any:
        try:
            return path.get(
                data, visit.context if path.root == "context" else None, visit.variables
            )
        except PathNotFound as exc:
            raise visit.fail(QueryFailure(errors.RUNTIME, str(exc))) from None

    return select


def compile_payload(definition: Mapping[str, Any], field: str) -> Selector | None:
    """Parameters / ResultSelector / ItemSelector: None when absent."""
    if field not in definition:
        return None
    template = definition[field]
    evaluate = compile_template(template)
    # The context object is built only for templates that read it.
    reads_context = "$$" in json.dumps(template)

    def build(data: Any, visit: Visit) -> Any:
        context = visit.context if reads_context else None
        try:
            return evaluate(data, context, visit.variables, visit.run.rng)
        except QueryFailure as failure:
            raise visit.fail(failure) from None

    return build


def compile_result_path(definition: Mapping[str, Any], field: str = "ResultPath") -> Merger | None:
    """ResultPath: None when absent or ``$`` (the result replaces the input)."""
    text = definition.get(field, _ABSENT)
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
    return template_growth(definition[field], item_is_input=field in ("ItemSelector",))


def compile_result_bound(definition: Mapping[str, Any], field: str = "ResultPath") -> Merge | None:
    """ResultPath on bounds (see ``_query.growth.result_merge``); None for ``null``."""
    text = definition.get(field, _ABSENT)
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
