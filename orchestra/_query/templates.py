"""Payload templates (Parameters, ResultSelector, ItemSelector), compiled into closures.

A key ending in ``.$`` takes its value from a path (``$.x``, ``$$.x``, ``$var.x``) or an
intrinsic function; every other value is copied as is. Subtrees without any ``.$`` key are
compiled to the constant itself, so evaluating them costs nothing and shares the value.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

from .. import errors
from .failures import QueryFailure, to_json
from .growth import OPAQUE, SMALL_INTRINSICS, Growth, path_growth
from .growth import constant as constant_growth
from .intrinsics import IntrinsicError, compile_intrinsic, is_intrinsic
from .jsondata import byte_size, encode
from .paths import Path, PathNotFound, PathSyntaxError, compile_path

Evaluator = Callable[[Any, Any, Mapping[str, Any] | None, random.Random], Any]


class TemplateSyntaxError(ValueError):
    """A ``.$`` value is neither a valid path nor a valid intrinsic function."""


def compile_template(template: Any) -> Evaluator:
    """Compile a payload template into ``evaluate(input, context, variables, rng)``.

    Raises:
        TemplateSyntaxError: a ``.$`` value is not a valid path or intrinsic function.
    """
    evaluator = _compile(template)
    if evaluator is None:
        return lambda data, context, variables, rng: template
    return evaluator


def _compile(node: Any) -> Evaluator | None:
    """An evaluator for ``node``, or None when ``node`` is a constant."""
    if isinstance(node, dict):
        return _compile_object(node)
    if isinstance(node, list):
        items = [_compile(item) for item in node]
        if all(item is None for item in items):
            return None
        parts = [
            (item if item is not None else _constant(value))
            for item, value in zip(items, node, strict=True)
        ]
        return lambda data, context, variables, rng: [
            part(data, context, variables, rng) for part in parts
        ]
    return None


def _constant(value: Any) -> Evaluator:
    return lambda data, context, variables, rng: value


def _compile_object(node: dict[str, Any]) -> Evaluator | None:
    parts: list[tuple[str, Evaluator | None, Any]] = []
    for key, value in node.items():
        if key.endswith(".$"):
            parts.append((key[:-2], compile_dynamic(key, value), None))
        else:
            parts.append((key, _compile(value), value))
    if all(part is None for _, part, _ in parts):
        return None

    def evaluate(
        data: Any, context: Any, variables: Mapping[str, Any] | None, rng: random.Random
    ) -> Any:
        result = {}
        for name, part, constant in parts:
            result[name] = constant if part is None else part(data, context, variables, rng)
        return result

    return evaluate


def compile_dynamic(key: str, value: Any) -> Evaluator:
    """The evaluator of a path or intrinsic call given for the field ``key`` (a ``.$`` field).

    Raises:
        TemplateSyntaxError: ``value`` is not a valid path or intrinsic function.
    """
    if not isinstance(value, str):
        raise TemplateSyntaxError(
            f"The value for the field '{key}' must be a STRING that contains a JSONPath but was {type(value).__name__}",
        )
    if is_intrinsic(value):
        intrinsic = compile_intrinsic(value)

        def call(
            data: Any, context: Any, variables: Mapping[str, Any] | None, rng: random.Random
        ) -> Any:
            try:
                return intrinsic.evaluate(data, context, variables, rng)
            except IntrinsicError as exc:
                raise QueryFailure(exc.error, exc.cause) from None

        return call
    try:
        path = compile_path(value)
    except PathSyntaxError:
        raise TemplateSyntaxError(
            f"The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call",
        ) from None
    return _path_reader(key, path)


def _path_reader(key: str, path: Path) -> Evaluator:
    text = path.text

    def read(
        data: Any, context: Any, variables: Mapping[str, Any] | None, rng: random.Random
    ) -> Any:
        try:
            return path.get(data, context, variables)
        except PathNotFound:
            raise QueryFailure(
                errors.RUNTIME,
                f"The JSONPath '{text}' specified for the field '{key}' could not be found in the input '{to_json(data)}'",
            ) from None

    return read


def template_growth(template: Any, *, item_is_input: bool = False) -> Growth:
    """An upper bound on what ``template`` builds, relative to its input (see :mod:`.growth`).

    Args:
        template: a payload template that compiles.
        item_is_input: ``$$.Map.Item.Value`` is part of the input (a Map's ItemSelector).
    """
    if isinstance(template, dict):
        if not _is_dynamic(template):
            return constant_growth(template)
        parts: list[Growth] = []
        overhead = 1 + len(template)
        for key, value in template.items():
            if key.endswith(".$"):
                parts.append(_dynamic_growth(value, item_is_input=item_is_input))
                key = key[:-2]
            else:
                parts.append(template_growth(value, item_is_input=item_is_input))
            overhead += byte_size(encode(key)) + 1
        return _side_by_side(parts).wrapped(overhead)
    if isinstance(template, list):
        if not _is_dynamic(template):
            return constant_growth(template)
        parts = [template_growth(item, item_is_input=item_is_input) for item in template]
        return _side_by_side(parts).wrapped(1 + len(template))
    return constant_growth(template)


def _is_dynamic(node: Any) -> bool:
    if isinstance(node, dict):
        return any(key.endswith(".$") or _is_dynamic(value) for key, value in node.items())
    if isinstance(node, list):
        return any(_is_dynamic(item) for item in node)
    return False


def _side_by_side(parts: list[Growth]) -> Growth:
    total = Growth(scale=0)
    for part in parts:
        total = total.beside(part)
    return total


def _dynamic_growth(value: str, *, item_is_input: bool) -> Growth:
    if is_intrinsic(value):
        small = SMALL_INTRINSICS.get(compile_intrinsic(value).name)
        return OPAQUE if small is None else Growth(scale=0, extra=small, floor=1)
    return path_growth(compile_path(value), item_is_input=item_is_input)
