"""The functions AWS Step Functions adds to JSONata: ``$partition``, ``$range``, ``$hash``,
``$random``, ``$uuid`` and ``$parse``.

Each is a plain function with the JSONata signature it is registered under, so the engine checks
argument types and reports a mismatch as JSONata does (``T0410: Argument 1 of function
"partition" does not match function signature``). As with JSONata's own functions, an undefined
argument gives an undefined result: a host function returns ``None`` for that.

``$random`` and ``$uuid`` draw from the ``random.Random`` of the evaluation in progress, so an
execution that supplies a seeded generator replays the same values.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any, Final

from .intrinsic_functions import HASHES, RANGE_LIMIT
from .jsondata import JsonDataError, decode

current_rng: Final[ContextVar[random.Random]] = ContextVar("orchestra_jsonata_rng")
"""The generator ``$random`` and ``$uuid`` use; set for the length of one evaluation."""

PARSE_HOST: Final = "__orchestra_parse"
"""The host function behind ``$parse``.

A host function that returns ``None`` gives JSONata ``undefined``, never ``null``, so the host
part returns the parsed value inside a one-item array and the JSONata part unwraps it: that way
``$parse('null')`` is ``null``.
"""

PARSE_DEFINITION: Final = f"function($text)<s:x>{{${PARSE_HOST}($text)[0]}}"


class FunctionError(Exception):
    """An AWS-added function refused its arguments; ``message`` says why."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def partition(array: list[Any] | None, size: float | None) -> list[list[Any]] | None:
    """``$partition(array, size)``: the array cut into chunks of ``size`` items, the last shorter."""
    if array is None or size is None:
        return None
    # JSONata numbers are finite; a fraction is dropped, as the intrinsics drop it.
    chunk = int(size)
    if chunk < 1:
        raise FunctionError("The size argument of $partition must be a positive integer")
    return [array[start : start + chunk] for start in range(0, len(array), chunk)]


def range_(start: float | None, end: float | None, step: float | None) -> Any:
    """``$range(start, end, step)``: integers from ``start`` to ``end`` inclusive, ``step`` apart.

    The result behaves as a JSONata sequence, as recorded on AWS: one value comes back as that
    value (``$range(1, 9, 9)`` is ``1``), none as undefined.
    """
    if start is None or end is None or step is None:
        return None
    first, last, stride = int(start), int(end), int(step)
    if stride == 0:
        raise FunctionError("The step argument of $range must not be zero")
    count = max(0, (last - first) // stride + 1)
    # Not documented for $range: the bound AWS documents for States.ArrayRange, its twin.
    if count > RANGE_LIMIT:
        raise FunctionError(f"$range cannot generate more than {RANGE_LIMIT} values")
    if count == 0:
        return None
    if count == 1:
        return first
    return [first + stride * index for index in range(count)]


def hash_(data: str | None, algorithm: str | None) -> str | None:
    """``$hash(data, algorithm)``: the hex digest of the UTF-8 bytes of ``data``."""
    if data is None or algorithm is None:
        return None
    name = HASHES.get(algorithm)
    if name is None:
        raise FunctionError(
            f"Unsupported hash algorithm {json.dumps(algorithm)}; use one of {', '.join(HASHES)}"
        )
    return hashlib.new(name, data.encode("utf-8", "surrogatepass")).hexdigest()


def random_(seed: float | None = None) -> float:
    """``$random([seed])``: a number in [0, 1); the same seed always gives the same number."""
    if seed is None:
        return current_rng.get().random()
    return random.Random(int(seed)).random()


def uuid_() -> str:
    """``$uuid()``: a version 4 UUID."""
    return str(uuid.UUID(int=current_rng.get().getrandbits(128), version=4))


def parse_host(text: str | None) -> list[Any] | None:
    """The host part of ``$parse(text)``: the JSON value of ``text``, inside a one-item array."""
    if text is None:
        return None
    try:
        value = decode(text)
    except JsonDataError as error:
        raise FunctionError(f"The argument of $parse is not valid JSON: {error}") from None
    return [value]


FUNCTIONS: Final[Mapping[str, tuple[Callable[..., Any], str]]] = {
    "partition": (partition, "<an:a>"),
    "range": (range_, "<nnn:x>"),
    "hash": (hash_, "<ss:s>"),
    "random": (random_, "<n?:n>"),
    "uuid": (uuid_, "<:s>"),
    PARSE_HOST: (parse_host, "<s:a>"),
}
"""Host functions by name, each with its JSONata signature."""
