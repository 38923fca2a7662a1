"""JSONata expressions as AWS Step Functions evaluates them, on the jlens engine.

This module is the only one that knows jlens. An expression is parsed once by
:func:`compile_expression`; :meth:`Expression.evaluate` then runs it against variable bindings
(``$states`` and the workflow variables) and returns plain JSON values:

- an undefined result is :data:`UNDEFINED`, distinct from ``None`` (JSONata ``null``);
- integral numbers are ``int`` (``1``, not ``1.0``), as AWS prints them;
- a function as the result raises :class:`UnsupportedResultError`, since it has no JSON form.

Error messages are jlens's, which reproduce the JSONata reference's catalogue word for word
(``T1006: Attempted to invoke a non-function``), so they need no rewording for AWS's causes.
"""

from __future__ import annotations

import enum
import functools
import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import jlens

from . import jsonata_functions
from .paths import MEMO_SIZE

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND: Final = timedelta(milliseconds=1)
# Bounds a runaway expression (``($f := function(){$f()}; $f())`` loops forever) by work done,
# so an execution replays identically; the time limit below is the backstop for work that a
# step does not count (a backtracking regular expression in ``$match``).
_STEP_BUDGET: Final = 1_000_000
DEFAULT_TIMEOUT: Final = 0.25
"""Seconds one evaluation may take: it runs on the event loop, so it must stay short."""
# AWS's own evaluator refuses ``[1..873783]`` and a string of 2**23 characters, and accepts
# ``[1..873782]`` and 2**22 characters (measured against AWS): the same bounds here.
_MAX_ARRAY_ITEMS: Final = 873_782
_MAX_STRING_BYTES: Final = 2**22
_RESULT_TOO_LARGE: Final = "The result would exceed the size limit"
_SHARED_RNG: Final = random.Random()

_RESULT: Final = "$__orchestra_result"
_TYPE: Final = "$__orchestra_type"
_UNDEFINED_HOST: Final = "__orchestra_undefined"
_FUNCTION_HOST: Final = "__orchestra_function"
# jlens returns None for undefined and null alike, and for a function. Evaluating the body
# inside this block tells them apart in the same pass, without evaluating anything twice.
_WRAPPER: Final = (
    f"({_RESULT} := ({{body}}\n); {_TYPE} := $type({_RESULT});"
    f" {_TYPE} = 'function' ? ${_FUNCTION_HOST}() : {_TYPE} ? {_RESULT} : ${_UNDEFINED_HOST}())"
)
_PARSE_PRELUDE: Final = f"$parse := {jsonata_functions.PARSE_DEFINITION};"


class _Undefined(enum.Enum):
    UNDEFINED = "UNDEFINED"

    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Final = _Undefined.UNDEFINED
"""The result of an expression that yields nothing (JSONata ``undefined``); not ``None``."""


class JsonataSyntaxError(ValueError):
    """The expression does not parse.

    Attributes:
        code: JSONata's error code, such as ``S0207``.
        message: Why, in JSONata's words.
        position: Where in the expression the parser stopped, when known.
    """

    def __init__(self, code: str | None, message: str, position: int | None) -> None:
        self.code = code
        self.message = message
        self.position = position
        text = f"{code}: {message}" if code else message
        super().__init__(text if position is None else f"{text} (at position {position})")


class JsonataEvaluationError(Exception):
    """The expression failed while it was evaluated.

    ``str(error)`` is ``"<code>: <message>"``, the form AWS puts in a cause after ``threw an
    error during evaluation.``

    Attributes:
        code: JSONata's error code, such as ``T1006``; ``None`` for the failures of the
            functions AWS adds, which have none.
        message: The reason, in the JSONata reference's wording.
    """

    def __init__(self, code: str | None, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}" if code else message)


class UnsupportedResultError(JsonataEvaluationError):
    """The expression returned a function, which has no JSON value.

    AWS reports this as ``returned an unsupported result type``.
    """

    def __init__(self) -> None:
        super().__init__(None, "The expression returned a function, which has no JSON value")


class ResultTooLargeError(JsonataEvaluationError):
    """The result would be larger than the payload limit the evaluation was given."""


class _UndefinedResult(Exception):
    pass


class _FunctionResult(Exception):
    pass


def _signal_undefined() -> None:
    raise _UndefinedResult


def _signal_function() -> None:
    raise _FunctionResult


class Expression:
    """A parsed JSONata expression; immutable, and safe to share between threads and tasks.

    Attributes:
        text: The expression as written, without the ``{% %}`` delimiters.
    """

    __slots__ = ("_compiled", "text")

    text: str
    _compiled: jlens.Expression

    def __init__(self, text: str, compiled: jlens.Expression) -> None:
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "_compiled", compiled)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def evaluate(
        self,
        bindings: Mapping[str, Any],
        *,
        rng: random.Random | None = None,
        now: datetime | None = None,
        result_limit: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Any:
        """Evaluate against variable bindings, within bounds of time, work, size and depth.

        Args:
            bindings: Variables by name without the ``$``, such as ``{"states": {...}}``.
                Values are JSON values; they are read, never modified.
            rng: The generator ``$random()`` and ``$uuid()`` draw from; pass the execution's
                so that a replay gives the same values. Without it they are not reproducible.
            now: The instant ``$now()`` and ``$millis()`` report; a naive datetime is taken as
                UTC. Without it, the current time.
            result_limit: The largest result, in bytes of JSON (None: no bound).
            timeout: Seconds the evaluation may take.

        Returns:
            The result as JSON values, or :data:`UNDEFINED` when there is none.

        Raises:
            UnsupportedResultError: The result is a function.
            ResultTooLargeError: The result would be larger than ``result_limit``.
            JsonataEvaluationError: The evaluation failed, or exceeded its budget of work
                (``U1006``), time (``D1012``), recursion, string or array length.
        """
        token = jsonata_functions.current_rng.set(rng if rng is not None else _SHARED_RNG)
        try:
            return self._compiled.evaluate(
                None,
                bindings if type(bindings) is dict else dict(bindings),
                max_steps=_STEP_BUDGET,
                timeout=timeout,
                max_string_length=_MAX_STRING_BYTES,
                max_array_length=_MAX_ARRAY_ITEMS,
                max_result_size=result_limit,
                now=None if now is None else _milliseconds(now),
            )
        except _UndefinedResult:
            return UNDEFINED
        except _FunctionResult:
            raise UnsupportedResultError from None
        except jlens.JlensError as error:
            if str(error).startswith(_RESULT_TOO_LARGE):
                raise ResultTooLargeError(error.code, str(error)) from None
            raise JsonataEvaluationError(error.code, str(error)) from None
        except jsonata_functions.FunctionError as error:
            raise JsonataEvaluationError(None, error.message) from None
        except (TypeError, ValueError, OverflowError, RecursionError) as error:
            # A binding or a host function's value that has no JSONata form.
            raise JsonataEvaluationError(None, f"{type(error).__name__}: {error}") from None
        finally:
            jsonata_functions.current_rng.reset(token)


def _milliseconds(instant: datetime) -> int:
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return (instant - _EPOCH) // _MILLISECOND


def compile_expression(
    text: str, *, functions: Mapping[str, Callable[..., Any]] | None = None
) -> Expression:
    """Parse a JSONata expression once, for any number of evaluations.

    The functions AWS adds (``$partition``, ``$range``, ``$hash``, ``$random``, ``$uuid``,
    ``$parse``) are always available.

    Args:
        text: The expression, without the ``{% %}`` delimiters (see :func:`expression_body`).
        functions: More functions by name without the ``$``. Each receives JSON values and
            returns one; ``None`` means undefined. To fail the evaluation, raise
            :class:`JsonataEvaluationError`; other exceptions propagate unchanged.

    Returns:
        The parsed expression.

    Raises:
        JsonataSyntaxError: The expression does not parse.
    """
    if not functions:
        return _memo_expression(text)
    return _compile(text, functions)


@functools.lru_cache(maxsize=MEMO_SIZE)
def _memo_expression(text: str) -> Expression:
    # Compiled once per text, as paths are (see compile_path): an Expression is immutable.
    return _compile(text, None)


def _compile(text: str, functions: Mapping[str, Callable[..., Any]] | None) -> Expression:
    try:
        # Parsed as written first, so that errors and positions refer to the user's text.
        jlens.Expression(text)
    except jlens.JlensError as error:
        raise JsonataSyntaxError(error.code, str(error), error.position) from None
    wrapped = _WRAPPER.format(body=text)
    if "parse" in text:
        wrapped = f"({_PARSE_PRELUDE} {wrapped})"
    try:
        compiled = jlens.Expression(wrapped)
    except jlens.JlensError as error:
        # The wrapper nests the text a few levels deeper: near jlens's limit, it says so.
        raise JsonataSyntaxError(error.code, str(error), None) from None
    dynamic = "eval" in text
    for name, (implementation, signature) in jsonata_functions.FUNCTIONS.items():
        # Each registered function costs every evaluation a little; a name that is nowhere
        # in the text cannot be called, except from a string handed to $eval.
        if dynamic or name.removeprefix("__orchestra_") in text:
            compiled.register_function(name, implementation, signature)
    compiled.register_function(_UNDEFINED_HOST, _signal_undefined)
    compiled.register_function(_FUNCTION_HOST, _signal_function)
    for name, implementation in (functions or {}).items():
        compiled.register_function(name, implementation)
    return Expression(text, compiled)


def is_expression(value: Any) -> bool:
    """Tell whether a definition value is a JSONata expression.

    AWS's rule: a string that starts with ``{%`` and ends with ``%}``, with nothing outside them
    (``" {% 1 %} "`` is a plain string).

    Args:
        value: Any value from a definition.

    Returns:
        Whether the value is an expression.
    """
    return (
        isinstance(value, str)
        and len(value) >= 4
        and value.startswith("{%")
        and value.endswith("%}")
    )


def expression_body(value: str) -> str:
    """The expression inside the ``{% %}`` delimiters, stripped as AWS quotes it in causes.

    Args:
        value: A string for which :func:`is_expression` holds.

    Returns:
        The text between the delimiters, without surrounding whitespace.

    Raises:
        ValueError: The value is not an expression.
    """
    if not is_expression(value):
        raise ValueError(f"not a JSONata expression: {value!r}")
    return value[2:-2].strip()


__all__ = [
    "UNDEFINED",
    "Expression",
    "JsonataEvaluationError",
    "JsonataSyntaxError",
    "ResultTooLargeError",
    "UnsupportedResultError",
    "compile_expression",
    "expression_body",
    "is_expression",
]
