"""JSONata data flow: ``{% %}`` expressions in Arguments, Output, Assign, Items, ... compiled once.

A JSONata state sees ``$states.input`` (its raw input), ``$states.context``, and, where AWS
provides them, ``$states.result`` and ``$states.errorOutput``; workflow variables are bound
by name. Templates are objects, arrays and strings in which every ``{% %}`` string is an
expression; everything else is a literal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from .. import errors
from .._query.failures import QueryFailure, to_json
from .._query.jsonata import (
    UNDEFINED,
    JsonataEvaluationError,
    ResultTooLargeError,
    UnsupportedResultError,
    compile_expression,
    expression_body,
    is_expression,
)
from .._query.jsondata import byte_size, encode
from .guards import StateFailed
from .run import Visit

ABSENT: Final = object()


def bindings(
    visit: Visit, result: Any = ABSENT, error_output: Any = ABSENT, *, context: bool = True
) -> dict[str, Any]:
    """The variables an expression of this state sees."""
    states: dict[str, Any] = {"input": visit.input}
    if context:
        states["context"] = visit.context
    if result is not ABSENT:
        states["result"] = result
    if error_output is not ABSENT:
        states["errorOutput"] = error_output
    scope = dict(visit.variables) if visit.variables else {}
    scope["states"] = states
    return scope


class JsonataValue:
    """A compiled JSONata template: call it as ``value(visit, result=..., error_output=...)``.

    Each expression's result is held to the payload limit by the evaluator, so the template
    knows a bound on what it builds without measuring it (see :meth:`bound`).
    """

    __slots__ = ("_build", "_constant_bytes", "_expressions", "_reads_context", "_value")

    def __init__(self, value: Any, field: str) -> None:
        self._value = value
        self._build = _compile(value, field)
        # Building $states.context formats timestamps; skip it for templates that never read it.
        self._reads_context = self._build is not None and _reads_context(value)
        self._expressions = _count_expressions(value)
        self._constant_bytes = (
            0 if is_expression(value) else byte_size(encode(_without_expressions(value)))
        )

    def __call__(self, visit: Visit, result: Any = ABSENT, error_output: Any = ABSENT) -> Any:
        """The template's value for a visit of its state."""
        if self._build is None:
            return self._value
        scope = bindings(visit, result, error_output, context=self._reads_context)
        return self._build(scope, visit)

    def selector(self) -> Callable[[Any, Visit], Any]:
        """The template as a ``(data, visit) -> value`` step (it reads ``$states.input``)."""
        return lambda data, visit: self(visit)

    def bound(self, limit: int) -> int:
        """An upper bound on the size of the value, in bytes, when each expression's result
        is at most ``limit`` bytes."""
        return self._constant_bytes + self._expressions * limit


def compile_value(value: Any, field: str) -> JsonataValue:
    """Compile a JSONata template into ``evaluate(visit, result=..., error_output=...)``."""
    return JsonataValue(value, field)


def _count_expressions(value: Any) -> int:
    if isinstance(value, str):
        return int(is_expression(value))
    if isinstance(value, dict):
        return sum(_count_expressions(item) for item in value.values())
    if isinstance(value, list):
        return sum(_count_expressions(item) for item in value)
    return 0


def _without_expressions(value: Any) -> Any:
    if isinstance(value, str):
        return 0 if is_expression(value) else value
    if isinstance(value, dict):
        return {key: _without_expressions(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_expressions(item) for item in value]
    return value


def _compile(value: Any, field: str) -> Callable[[dict[str, Any], Visit], Any] | None:
    if isinstance(value, str):
        if not is_expression(value):
            return None
        body = expression_body(value)
        expression = compile_expression(body)

        def run(scope: dict[str, Any], visit: Visit) -> Any:
            settings = visit.run.settings
            try:
                outcome = expression.evaluate(
                    scope,
                    rng=visit.run.rng,
                    now=visit.entered_time,
                    result_limit=settings.payload_limit,
                    timeout=settings.jsonata_timeout,
                )
            except ResultTooLargeError:
                raise StateFailed(
                    errors.DATA_LIMIT_EXCEEDED,
                    f"The state/task '{visit.state_name}' returned a result with a size "
                    "exceeding the maximum number of bytes service limit.",
                ) from None
            except UnsupportedResultError:
                raise visit.fail(
                    QueryFailure(
                        errors.QUERY_EVALUATION_ERROR,
                        _prefix(body, field) + "returned an unsupported result type.",
                    )
                ) from None
            except JsonataEvaluationError as exc:
                raise visit.fail(
                    QueryFailure(
                        errors.QUERY_EVALUATION_ERROR,
                        _prefix(body, field) + f"threw an error during evaluation. {exc}",
                    )
                ) from None
            if outcome is UNDEFINED:
                raise visit.fail(
                    QueryFailure(
                        errors.QUERY_EVALUATION_ERROR,
                        _prefix(body, field) + "returned nothing (undefined).",
                    )
                )
            return outcome

        return run
    if isinstance(value, dict):
        parts = [(key, _compile(item, f"{field}/{key}"), item) for key, item in value.items()]
        if all(part is None for _, part, _ in parts):
            return None

        def build_object(scope: dict[str, Any], visit: Visit) -> Any:
            return {key: item if part is None else part(scope, visit) for key, part, item in parts}

        return build_object
    if isinstance(value, list):
        items = [(_compile(item, f"{field}[{index}]"), item) for index, item in enumerate(value)]
        if all(part is None for part, _ in items):
            return None

        def build_list(scope: dict[str, Any], visit: Visit) -> Any:
            return [item if part is None else part(scope, visit) for part, item in items]

        return build_list
    return None


def _reads_context(value: Any) -> bool:
    text = json.dumps(value)
    return "context" in text or re.search(r"\$states(?![.\w])", text) is not None


def _prefix(body: str, field: str) -> str:
    return f"The JSONata expression '{body}' specified for the field '{field}' "


def compile_number(value: Any, field: str, *, integer: bool = True) -> Callable[[Visit], Any]:
    """A number given literally or as an expression (TimeoutSeconds, MaxConcurrency, ...)."""
    evaluate = compile_value(value, field)

    def read(visit: Visit) -> Any:
        number = evaluate(visit)
        valid = isinstance(number, int | float) and not isinstance(number, bool)
        if not valid or (integer and number != int(number)):
            kind = "integer" if integer else "number"
            raise visit.fail(
                QueryFailure(
                    errors.QUERY_EVALUATION_ERROR,
                    f"The {field} field must evaluate to a valid {kind}, but was: {to_json(number)}",
                )
            )
        return int(number) if integer else number

    return read


def is_jsonata(definition: Mapping[str, Any]) -> bool:
    """Whether a compiled state's definition carries the JSONata query language."""
    return definition.get("QueryLanguage") == "JSONata"
