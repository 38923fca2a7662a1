"""JSON values as the engine holds them: checked where they enter, measured where they grow.

Every value that runs through an execution is plain JSON data: ``dict`` with ``str`` keys,
``list``, ``str``, ``int``, finite ``float``, ``bool`` and ``None``, nested at most
:data:`MAX_DEPTH` deep, with numbers a double can hold. Data from outside (execution input,
task results, callback outputs, ``States.StringToJson``) is checked and copied once by
:func:`load` or :func:`decode`; data the engine builds is measured by :func:`measure` only
when a cheap upper bound says it might be over a limit.

Nothing here recurses on the Python stack deeper than :data:`MAX_DEPTH`, so a hostile value
cannot raise ``RecursionError`` from the middle of the engine.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any, Final, NamedTuple

try:
    from json.encoder import (  # type: ignore[attr-defined]
        c_make_encoder as _c_make_encoder,
    )
except ImportError:  # pragma: no cover - CPython always has the C accelerator
    _c_make_encoder = None

MAX_DEPTH: Final = 512
"""How deeply arrays and objects may nest in a payload.

AWS does not document a bound; Jackson, which AWS uses, refuses 1,000 levels. Half that keeps
every recursive step (the C JSON codec, jsonpath-ng, task code) well inside Python's default
recursion limit, with the engine's own frames on the stack.
"""

_INT_DIGITS: Final = 309
"""Integers of this many digits or more may not fit a double: JSON numbers beyond that are
refused, as no JSON consumer (JSONata, AWS's Java parser reading them as doubles) holds them."""

_SUSPECT_NUMBER: Final = re.compile(rf"\d{{{_INT_DIGITS}}}|[eE][+-]?\d{{3}}")


class JsonDataError(ValueError):
    """A value is not JSON data the engine can hold; ``reason`` says why, in a few words."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class Size(NamedTuple):
    """A payload's serialised size in UTF-8 bytes, and how deeply it nests."""

    bytes: int
    depth: int


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _make_encoder() -> Callable[[Any], str]:
    """Compact JSON text of engine data (a tree or a DAG: it never contains itself)."""
    if _c_make_encoder is None:  # pragma: no cover
        return json.JSONEncoder(
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
            check_circular=False,
            default=_refuse,
        ).encode
    # The C encoder directly: json.dumps builds a JSONEncoder on every call with options.
    c_encode = _c_make_encoder(
        None, _refuse, encode_basestring, None, ":", ",", False, False, False
    )

    def encode(value: Any) -> str:
        if type(value) is str:
            return str(encode_basestring(value))
        return "".join(c_encode(value, 0))

    return encode


_encode_trusted = _make_encoder()


def byte_size(text: str) -> int:
    """The UTF-8 size of ``text`` (no copy for ASCII text)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _not_json(exc: TypeError | ValueError) -> JsonDataError:
    """The codec's complaint in words that do not change between Python versions."""
    text = str(exc)
    if text.startswith("Out of range float values"):
        text = "NaN and Infinity are not JSON values"
    return JsonDataError(text)


def _nested_too_deeply() -> JsonDataError:
    return JsonDataError(f"it is nested more than {MAX_DEPTH} levels deep")


def depth_of(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deeply ``value`` nests (a scalar: 0), or ``limit + 1`` once it is known to exceed.

    For a tree (data just parsed or built by an evaluator); engine data that may share its
    parts goes through :func:`measure`, whose walk is bounded by the size limit.
    """
    kind = type(value)
    if kind is not dict and kind is not list:
        return 0
    deepest = 1
    pending: list[tuple[Any, int]] = [(value, 1)]
    pop, push = pending.pop, pending.append
    while pending:
        node, level = pop()
        if level > deepest:
            deepest = level
            if level > limit:
                return level
        children = node.values() if type(node) is dict else node
        for child in children:
            child_kind = type(child)
            if child_kind is dict or child_kind is list:
                push((child, level + 1))
    return deepest


def encode(value: Any) -> str:
    """Compact JSON text of engine data, as AWS prints payloads (UTF-8, no spaces).

    Raises:
        JsonDataError: the value is not JSON data (a non-JSON type, NaN, nested too deeply).
    """
    try:
        return _encode_trusted(value)
    except RecursionError:
        raise _nested_too_deeply() from None
    except (TypeError, ValueError) as exc:
        raise _not_json(exc) from None


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise JsonDataError(f"the number {text[:40]} is out of range")
    return number


def _bounded_int(text: str) -> int:
    number = int(text)
    if len(text) >= _INT_DIGITS:
        try:
            float(number)
        except OverflowError:
            raise JsonDataError(f"the number {text[:40]}... is out of range") from None
    return number


def _no_constant(token: str) -> Any:
    raise JsonDataError(f"{token} is not a JSON value")


def _parse(text: str) -> Any:
    try:
        if _SUSPECT_NUMBER.search(text) is None:
            return json.loads(text, parse_constant=_no_constant)
        return json.loads(
            text,
            parse_constant=_no_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except RecursionError:
        raise _nested_too_deeply() from None


def decode(text: str) -> Any:
    """Parse JSON text from outside into engine data.

    Raises:
        JsonDataError: the text is not JSON, names NaN or Infinity, holds a number a double
            cannot, or nests more than :data:`MAX_DEPTH` deep.
    """
    try:
        value = _parse(text)
    except JsonDataError:
        raise
    except ValueError as exc:
        raise JsonDataError(str(exc)) from None
    if depth_of(value) > MAX_DEPTH:
        raise _nested_too_deeply()
    return value


def load(value: Any) -> tuple[Any, Size]:
    """Check and copy a value that comes from outside the engine (user code, a caller).

    The copy is the engine's own: nothing the caller does to ``value`` later reaches it.
    Keys that are numbers, booleans or null become strings and tuples become arrays, as
    ``json.dumps`` makes them.

    Returns:
        The copy and its size.

    Raises:
        JsonDataError: the value is not JSON data (see :func:`decode`), or is circular.
    """
    deepest = [0]
    try:
        copied = _imported(value, 0, deepest)
    except _TooDeep:
        raise _circular_or_deep(value) from None
    except TypeError as exc:
        raise JsonDataError(str(exc)) from None
    return copied, Size(byte_size(_encode_trusted(copied)), deepest[0])


class _TooDeep(Exception):
    pass


_INT_BOUND: Final = 2**1024


def _imported(value: Any, level: int, deepest: list[int]) -> Any:
    """One pass over a foreign value: each part checked, containers copied, depth noted."""
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return value
    if kind is int:
        if -_INT_BOUND < value < _INT_BOUND:
            return value
        raise JsonDataError(f"the number {str(value)[:40]}... is out of range")
    if kind is float:
        if value - value == 0.0:  # neither NaN nor an infinity
            return value
        raise JsonDataError("NaN and Infinity are not JSON values")
    level += 1
    if level > MAX_DEPTH:
        raise _TooDeep
    if level > deepest[0]:
        deepest[0] = level
    if kind is dict:
        copied: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                key = _key(key)
            item_kind = type(item)
            if item_kind is str or (item_kind is int and -_INT_BOUND < item < _INT_BOUND):
                copied[key] = item
            else:
                copied[key] = _imported(item, level, deepest)
        return copied
    if kind is list or kind is tuple:
        # A loop, not a comprehension: a comprehension is a frame of its own, and the
        # recursion must stay within MAX_DEPTH frames.
        items = []
        for item in value:
            items.append(_imported(item, level, deepest))  # noqa: PERF401 - see above
        return items
    return _imported_other(value, level - 1, deepest)


def _imported_other(value: Any, level: int, deepest: list[int]) -> Any:
    """Subclasses of the JSON types, read as ``json.dumps`` reads them."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return _imported(int(value), level, deepest)
    if isinstance(value, float):
        return _imported(float(value), level, deepest)
    if isinstance(value, dict):
        return _imported(dict(value), level, deepest)
    if isinstance(value, list | tuple):
        return _imported(list(value), level, deepest)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _key(key: Any) -> str:
    """A key that is not a string, as ``json.dumps`` writes it."""
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return str(int(key))
    if isinstance(key, float):
        return str(_imported(float(key), 0, [0]))
    if isinstance(key, str):
        return str(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _circular_or_deep(value: Any) -> JsonDataError:
    """Why a value went past :data:`MAX_DEPTH`: it contains itself, or it is that deep.

    Follows the first path that goes too deep (iteratively): a container met again on it is
    a cycle.
    """
    seen: set[int] = set()
    node = value
    for _ in range(MAX_DEPTH + 2):
        if not isinstance(node, dict | list | tuple):
            break
        if id(node) in seen:
            return JsonDataError("Circular reference detected")
        seen.add(id(node))
        children = list(node.values()) if isinstance(node, dict) else list(node)
        deeper = [child for child in children if isinstance(child, dict | list | tuple)]
        if not deeper:
            break
        node = max(deeper, key=lambda child: id(child) in seen)
    return _nested_too_deeply()


def copy(value: Any) -> Any:
    """A deep copy of engine data, for handing to user code that may change it."""
    kind = type(value)
    if kind is dict:
        copied = {}
        for key, item in value.items():
            # Checked here rather than in a call: most values are scalars, shared as they are.
            item_kind = type(item)
            copied[key] = copy(item) if item_kind is dict or item_kind is list else item
        return copied
    if kind is list:
        # A loop, not a comprehension, which would be a frame of its own at each level.
        items = []
        for item in value:
            item_kind = type(item)
            items.append(copy(item) if item_kind is dict or item_kind is list else item)
        return items
    return value


def _walk(value: Any, stop: int) -> tuple[int, int]:
    """A lower bound on the JSON text length of ``value``, and its depth, stopping early.

    Shared parts count every time they appear, as serialising them would, but the walk ends
    as soon as the length passes ``stop`` or the depth passes :data:`MAX_DEPTH`: a value
    whose text would be exponentially large costs no more than ``stop`` steps to reject.
    """
    total = 0
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    pop, push = pending.pop, pending.append
    while pending:
        node, level = pop()
        kind = type(node)
        if kind is dict:
            level += 1
            total += 1 + len(node)
            for key, item in node.items():
                total += len(encode_basestring(key)) + 1
                push((item, level))
        elif kind is list:
            level += 1
            total += 1 + len(node)
            for item in node:
                push((item, level))
        elif kind is str:
            total += len(node) + 2
        else:
            total += 1
        if level > deepest:
            deepest = level
            if deepest > MAX_DEPTH:
                break
        if total > stop:
            break
    return total, deepest


def measure(value: Any, *, limit: int, depth_bound: int = 0, size_bound: int = 0) -> Size:
    """The size and depth of engine data, or as much as shows them to be over the limits.

    Args:
        value: engine data.
        limit: the size in bytes that matters; a result above it is exact only as far as
            it tells that the value is too large.
        depth_bound: an upper bound on the depth already known (0: unknown).
        size_bound: an upper bound on the size already known (0: unknown).

    Returns:
        The size (exact, a bound within ``limit``, or over ``limit``) and the depth (exact,
        a bound, or over :data:`MAX_DEPTH`).
    """
    depth = depth_bound
    if not (0 < depth_bound <= MAX_DEPTH and 0 < size_bound <= 8 * limit):
        # Without bounds that keep serialising cheap, walk first, with early exits.
        chars, depth = _walk(value, limit)
        if chars > limit or depth > MAX_DEPTH:
            return Size(chars, depth)
    if 0 < size_bound <= limit:
        return Size(size_bound, depth)
    return Size(byte_size(_encode_trusted(value)), depth)
