"""The bounds on a loaded definition: size, depth, and JSON values only.

A definition loaded from text is parsed into plain JSON types, but a mapping handed over by
Python code can hold anything: sets, objects, NaN, keys that are not strings, a dict that
contains itself, or one dict placed a billion times over. :func:`json_copy` takes a fresh copy of
any of them, checking every value on the way, so that what the validator and the compiler walk
is JSON within AWS's quota and nested no deeper than they can recurse.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from json.encoder import encode_basestring
from typing import Any, Final

from orchestra._query.pointers import child
from orchestra.errors import DefinitionError, Diagnostic

MAX_LENGTH: Final = 1_048_576
"""AWS's hard quota on a definition: 1 MB, in characters of its text (of a mapping's compact
JSON), after ``${Name}`` placeholders are filled."""

MAX_DEPTH: Final = 100
"""How deeply objects and arrays may nest. The deepest definitions in the conformance and
real-world corpora nest 12 and 22 levels; every walk over a definition (validation, compilation,
payload templates, Choice rules, evaluating templates) recurses at most about two Python frames
per level, so 100 levels need some 250 frames of the default limit of 1000, wherever the
caller's stack stands."""

MAX_NUMBER_LENGTH: Final = 1000
"""The most digits a number may have: Jackson's default (``StreamReadConstraints``)."""

_MAX_INT_BITS: Final = 3322  # 10**1000 needs 3322 bits: any int this long has over 1000 digits

_Link = tuple["_Link", str | int] | None  # a node's place: its parent's link and its key
_Entry = tuple[Any, Any, Any, int, _Link]  # container, key there, value, its depth, its place


def json_copy(
    source: Mapping[Any, Any], fill: Callable[[str], str] | None = None
) -> dict[str, Any]:
    """A copy of ``source`` holding only JSON values, ``fill`` applied to its keys and strings.

    Mappings become dicts, lists and tuples become lists, str, int and float subclasses become
    their base types.

    The walk is iterative and stops at the first value that breaks a bound, so neither depth nor
    shared references can make it recurse or run long: every node counts at least one character
    against ``MAX_LENGTH``.

    Raises:
        DefinitionError: a key is not a string, a value is not JSON (a set, bytes, an object,
            NaN or Infinity, a number of more than ``MAX_NUMBER_LENGTH`` digits), objects and
            arrays nest deeper than ``MAX_DEPTH``, or the compact JSON is over ``MAX_LENGTH``.
    """
    holder: list[Any] = [None]
    stack: list[_Entry] = [(holder, 0, source, 1, None)]
    length = 0
    while stack:
        target, key, value, depth, link = stack.pop()
        if value is None or value is True or value is False:
            length += 4 if value is not False else 5
            target[key] = value
        elif isinstance(value, str):
            text = str.__str__(value)
            if fill is not None:
                text = fill(text)
            length += len(encode_basestring(text))
            target[key] = text
        elif isinstance(value, int):
            digits = str(int(value)) if value.bit_length() <= _MAX_INT_BITS else ""
            if not digits or len(digits.lstrip("-")) > MAX_NUMBER_LENGTH:
                raise not_json(f"Number value has more than {MAX_NUMBER_LENGTH} digits", link)
            length += len(digits)
            target[key] = int(value)
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise not_json(
                    f"Number {value} is not JSON: NaN and Infinity are not numbers", link
                )
            length += len(repr(float(value)))
            target[key] = float(value)
        elif isinstance(value, Mapping | list | tuple):
            if depth > MAX_DEPTH:
                raise too_deep()
            copy, pending, punctuation = _children(value, depth, link, fill)
            length += punctuation
            target[key] = copy
            stack.extend(reversed(pending))
        else:
            raise not_json(f"Value of type {type(value).__name__} is not JSON", link)
        if length > MAX_LENGTH:
            raise too_large()
    result: dict[str, Any] = holder[0]
    return result


def _children(
    value: Mapping[Any, Any] | list[Any] | tuple[Any, ...],
    depth: int,
    link: _Link,
    fill: Callable[[str], str] | None,
) -> tuple[Any, list[_Entry], int]:
    """An empty copy of a container, the entries that fill it, and the length of its syntax."""
    pending: list[_Entry] = []
    if isinstance(value, Mapping):
        copy: Any = {}
        length = 2
        for name, item in value.items():
            if not isinstance(name, str):
                raise not_json(f"Object key of type {type(name).__name__} is not a string", link)
            name = str.__str__(name)
            if fill is not None:
                name = fill(name)
            length += len(encode_basestring(name)) + 1  # the key and its colon
            pending.append((copy, name, item, depth + 1, (link, name)))
    else:
        copy = [None] * len(value)
        length = 2
        pending = [
            (copy, index, item, depth + 1, (link, index)) for index, item in enumerate(value)
        ]
    return copy, pending, length + max(len(pending) - 1, 0)


def _pointer(link: _Link) -> str:
    tokens: list[str | int] = []
    while link is not None:
        link, token = link
        tokens.append(token)
    return child("", *reversed(tokens)) or "/"


def not_json(message: str, link: _Link = None) -> DefinitionError:
    """A value JSON cannot hold, at the place ``link`` names (the whole definition: None)."""
    return DefinitionError([Diagnostic("INVALID_JSON_DESCRIPTION", _pointer(link), message)])


def too_large() -> DefinitionError:
    """The definition is over AWS's quota, told in the words of AWS's API validation."""
    message = (
        "Value at 'definition' failed to satisfy constraint: "
        f"Member must have length less than or equal to {MAX_LENGTH}"
    )
    return DefinitionError([Diagnostic("DEFINITION_TOO_LARGE", "/", message)])


def too_deep() -> DefinitionError:
    """Objects and arrays nest deeper than ``MAX_DEPTH``."""
    message = f"Document nesting depth exceeds the maximum allowed ({MAX_DEPTH})"
    return DefinitionError([Diagnostic("DEFINITION_TOO_DEEP", "/", message)])
