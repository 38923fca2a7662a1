"""The 18 ``States.*`` intrinsic functions, as AWS evaluates them.

AWS runs intrinsics on the JVM: arguments become Java values, so ``States.Format`` prints
objects the way ``Map.toString`` does (``{a=1, b=[]}``), ``States.JsonToString`` writes numbers
the way Jackson does (``1.0E20``), and ``States.ArrayContains`` compares the printed forms.
The helpers here reproduce those renderings.

Every argument is checked when the function runs, never at definition time: AWS accepts
``States.ArrayRange('a', 5, 1)``, ``States.MathAdd(1, '-1')`` or ``States.Hash('x', 123)`` in a
definition and fails the execution. A check that fails raises :class:`EvaluationFailure` with
AWS's generic ``Invalid arguments in States.X`` text.

Evidence: the conformance corpus records only successful calls, so the refusals and the
handling of fractions follow an independent suite that passes each definition through AWS's
ValidateStateMachineDefinition, runs it on AWS and notes where AWS departs from its own
documentation. There, literal arguments of the wrong type (strings, booleans, null for
MathAdd, ArrayRange, ArrayPartition, Hash) pass validation and fail at run time; the documented
"rounds to the nearest integer" holds for MathAdd only (also recorded in the corpus), while
ArrayRange (``(1.6, 1.4, 1)`` gives ``[1]``), ArrayPartition (a size of 2.6 makes chunks of 2,
0.6 fails) and MathRandom (``(1.4, 1.6)`` fails) drop the fraction; and States.Hash hashes a
number or an object rather than refusing it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from .jsondata import JsonDataError, decode

Implementation = Callable[[Sequence[Any], random.Random], Any]

_STRING_LIMIT: Final = 10_000
RANGE_LIMIT: Final = 1_000
"""The most values ``States.ArrayRange`` makes, as AWS documents."""
_INT_MIN: Final = -(2**31)
_INT_MAX: Final = 2**31 - 1
HASHES: Final = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}
"""AWS's names of the algorithms ``States.Hash`` and ``$hash`` accept, to hashlib's."""
_TEMPLATE_ESCAPES: Final = frozenset("'{}\\")


class EvaluationFailure(Exception):
    """An intrinsic could not be evaluated; ``detail`` is AWS's text for why."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


def invalid(name: str) -> EvaluationFailure:
    """AWS's generic failure for arguments a function refuses."""
    return EvaluationFailure(f"Invalid arguments in {name}")


# --- Java renderings -------------------------------------------------------------------------


def java_double(value: float) -> str:
    """``Double.toString``: shortest digits, scientific notation outside [1e-3, 1e7)."""
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    exact = Decimal(repr(abs(value))).normalize()
    _, digit_tuple, exponent = exact.as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple))
    magnitude = len(digits) + exponent - 1
    if -3 <= magnitude < 7:
        if magnitude >= 0:
            whole = digits[: magnitude + 1].ljust(magnitude + 1, "0")
            fraction = digits[magnitude + 1 :] or "0"
            return f"{sign}{whole}.{fraction}"
        return f"{sign}0.{'0' * (-magnitude - 1)}{digits}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{magnitude}"


def _java_scalar(value: Any) -> str:
    """How Java prints null, a boolean or a number, in text and in JSON alike."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double(value)
    return str(value)


def java_string(value: Any) -> str:
    """``String.valueOf`` of the Java value AWS builds from a JSON value."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(java_string(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={java_string(item)}" for key, item in value.items()) + "}"
    return _java_scalar(value)


_JSON_ESCAPES: Final = {
    **{code: f"\\u{code:04X}" for code in range(0x20)},
    ord('"'): '\\"',
    ord("\\"): "\\\\",
    ord("\b"): "\\b",
    ord("\f"): "\\f",
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}


def _json_string(text: str) -> str:
    return '"' + text.translate(_JSON_ESCAPES) + '"'


def java_json(value: Any) -> str:
    """Compact JSON text as Jackson writes it (no spaces, non-ASCII kept, ``1.0E20``)."""
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, list):
        return "[" + ",".join(java_json(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_json_string(k)}:{java_json(v)}" for k, v in value.items()) + "}"
    return _java_scalar(value)


# --- Argument checks -------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _truncated(value: Any, name: str) -> int:
    """A number as AWS's integer arguments take it: the fraction is dropped, toward zero.

    Observed on AWS despite documentation that says "rounded": ``States.ArrayRange(5.4, -0.6,
    -2.4)`` gives ``[5, 3, 1]``, so -0.6 becomes 0, not -1.
    """
    if not _is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
        raise invalid(name)
    return int(value)


def _rounded(value: Any, name: str) -> int:
    """A number rounded half up, as ``Math.round`` does (MathAdd's documented rounding)."""
    if not _is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
        raise invalid(name)
    if isinstance(value, int):
        return value
    return math.floor(Fraction(value) + Fraction(1, 2))


def _array(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise invalid(name)
    return value


def _string(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise invalid(name)
    return value


def _utf16_length(text: str) -> int:
    """The length Java reports: characters outside the BMP count twice."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _limited(text: str, name: str) -> str:
    if len(text) > _STRING_LIMIT // 2 and _utf16_length(text) > _STRING_LIMIT:
        raise invalid(name)
    return text


# --- States.Format ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Template:
    """A ``States.Format`` template split around its ``{}`` placeholders."""

    parts: tuple[str, ...]

    @property
    def placeholders(self) -> int:
        """How many ``{}`` the template holds."""
        return len(self.parts) - 1

    def render(self, values: Sequence[Any]) -> str:
        """The template with each ``{}`` replaced by the Java rendering of its value."""
        pieces = [self.parts[0]]
        for value, part in zip(values, self.parts[1:], strict=True):
            pieces.append(java_string(value))
            pieces.append(part)
        return "".join(pieces)


def parse_template(raw: str) -> Template | None:
    """Split template text (escapes intact) at its placeholders; None when a brace is unpaired.

    ``\\{``, ``\\}``, ``\\'`` and ``\\\\`` stand for the character itself; an unescaped ``{``
    must be followed by ``}``.
    """
    parts: list[str] = []
    current: list[str] = []
    position = 0
    end = len(raw)
    while position < end:
        char = raw[position]
        if char == "\\" and position + 1 < end and raw[position + 1] in _TEMPLATE_ESCAPES:
            current.append(raw[position + 1])
            position += 2
            continue
        if char == "{":
            if not raw.startswith("{}", position):
                return None
            parts.append("".join(current))
            current = []
            position += 2
            continue
        if char == "}":
            return None
        current.append(char)
        position += 1
    parts.append("".join(current))
    return Template(tuple(parts))


def format_with(template: Template | None) -> Implementation:
    """``States.Format`` whose template is a literal, parsed once here.

    A malformed template or a wrong number of values fails only when the call runs: AWS
    accepts such a definition and fails the execution.
    """

    def format_literal(args: Sequence[Any], rng: random.Random) -> Any:
        values = args[1:]
        if template is None or template.placeholders != len(values):
            raise invalid("States.Format")
        return template.render(values)

    return format_literal


def _format(args: Sequence[Any], rng: random.Random) -> Any:
    # A template read from a path can only be parsed once its value is known.
    return format_with(parse_template(_string(args[0], "States.Format")))(args, rng)


# --- JSON --------------------------------------------------------------------------------------


def _string_to_json(args: Sequence[Any], rng: random.Random) -> Any:
    text = _string(args[0], "States.StringToJson")
    if not text.strip():
        # Jackson reads blank text as "no content", which AWS turns into null.
        return None
    try:
        # Strict: no NaN or Infinity, numbers a double holds, nesting within the engine's bound.
        return decode(text)
    except JsonDataError:
        raise invalid("States.StringToJson") from None


def _json_to_string(args: Sequence[Any], rng: random.Random) -> Any:
    return java_json(args[0])


def _json_merge(args: Sequence[Any], rng: random.Random) -> Any:
    first, second, deep = args
    if not isinstance(first, dict) or not isinstance(second, dict) or not isinstance(deep, bool):
        raise invalid("States.JsonMerge")
    if deep:
        # AWS only implements the shallow merge and refuses the deep flag.
        raise invalid("States.JsonMerge")
    return {**first, **second}


# --- Arrays ------------------------------------------------------------------------------------


def _array_of(args: Sequence[Any], rng: random.Random) -> Any:
    return list(args)


def _array_partition(args: Sequence[Any], rng: random.Random) -> Any:
    name = "States.ArrayPartition"
    array = _array(args[0], name)
    size = _truncated(args[1], name)
    if size <= 0:
        raise invalid(name)
    return [array[start : start + size] for start in range(0, len(array), size)]


def _array_contains(args: Sequence[Any], rng: random.Random) -> Any:
    array = _array(args[0], "States.ArrayContains")
    # AWS compares printed forms: key order matters and 1 matches "1".
    wanted = java_string(args[1])
    return any(java_string(item) == wanted for item in array)


def _array_range(args: Sequence[Any], rng: random.Random) -> Any:
    name = "States.ArrayRange"
    start, end, step = (_truncated(value, name) for value in args)
    if step == 0:
        raise invalid(name)
    count = max(0, (end - start) // step + 1)
    if count > RANGE_LIMIT:
        raise invalid(name)
    return [start + step * index for index in range(count)]


def _array_get_item(args: Sequence[Any], rng: random.Random) -> Any:
    name = "States.ArrayGetItem"
    array = _array(args[0], name)
    index = _truncated(args[1], name)
    if not array:
        # Recorded on AWS: any index into an empty array gives null rather than failing.
        return None
    if not 0 <= index < len(array):
        raise invalid(name)
    return array[index]


def _array_length(args: Sequence[Any], rng: random.Random) -> Any:
    return len(_array(args[0], "States.ArrayLength"))


def _array_unique(args: Sequence[Any], rng: random.Random) -> Any:
    seen: set[str] = set()
    unique = []
    for item in _array(args[0], "States.ArrayUnique"):
        # Sorted keys make equal objects equal whatever their key order; 1 and 1.0 stay apart.
        key = json.dumps(item, sort_keys=True, separators=(",", ":"))
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


# --- Encoding and hashing ----------------------------------------------------------------------


def _base64_encode(args: Sequence[Any], rng: random.Random) -> Any:
    name = "States.Base64Encode"
    text = _limited(_string(args[0], name), name)
    return base64.b64encode(text.encode("utf-8", "surrogatepass")).decode("ascii")


_BASE64_ALPHABET: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"
)
_URL_SAFE: Final = str.maketrans("-_", "+/")


def _base64_decode(args: Sequence[Any], rng: random.Random) -> Any:
    name = "States.Base64Decode"
    text = _limited(_string(args[0], name), name)
    # AWS decodes leniently: characters outside the alphabet are skipped, decoding stops at
    # the first '=', and a short final group still yields its whole bytes.
    data = "".join(char for char in text.split("=", 1)[0] if char in _BASE64_ALPHABET)
    data = data.translate(_URL_SAFE)
    whole = len(data) - len(data) % 4
    tail = data[whole:]
    if len(tail) == 1:
        tail = ""
    padded = data[:whole] + (tail + "==")[: 4 if tail else 0]
    return base64.b64decode(padded).decode("utf-8", "replace")


def _hash(args: Sequence[Any], rng: random.Random) -> Any:
    name = "States.Hash"
    data, algorithm = args
    if not isinstance(algorithm, str) or algorithm not in HASHES:
        raise invalid(name)
    # AWS hashes a non-string by its printed form rather than refusing it.
    text = _limited(java_string(data), name)
    digest = hashlib.new(HASHES[algorithm], text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


# --- Math, strings, identifiers ----------------------------------------------------------------


def _math_random(args: Sequence[Any], rng: random.Random) -> Any:
    name = "States.MathRandom"
    start = _truncated(args[0], name)
    end = _truncated(args[1], name)
    if start >= end:
        raise invalid(name)
    if len(args) == 3:
        return random.Random(_truncated(args[2], name)).randrange(start, end)
    return rng.randrange(start, end)


def _math_add(args: Sequence[Any], rng: random.Random) -> Any:
    name = "States.MathAdd"
    first, second = (_rounded(value, name) for value in args)
    total = first + second
    if not all(_INT_MIN <= value <= _INT_MAX for value in (first, second, total)):
        raise invalid(name)
    return total


def _string_split(args: Sequence[Any], rng: random.Random) -> Any:
    name = "States.StringSplit"
    text = _string(args[0], name)
    delimiters = frozenset(_string(args[1], name))
    # Like Java's StringTokenizer: every delimiter character splits, empty pieces are dropped.
    pieces: list[str] = []
    current: list[str] = []
    for char in text:
        if char in delimiters:
            if current:
                pieces.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        pieces.append("".join(current))
    return pieces


def _uuid(args: Sequence[Any], rng: random.Random) -> Any:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass(frozen=True, slots=True)
class Function:
    """One intrinsic: its name, how many arguments it takes and its implementation."""

    name: str
    min_args: int
    max_args: int | None
    implementation: Implementation

    def arity(self) -> str:
        """The accepted argument count, in words."""
        if self.max_args is None:
            return f"at least {self.min_args}"
        if self.min_args == self.max_args:
            return str(self.min_args)
        return f"{self.min_args} to {self.max_args}"


FUNCTIONS: Final[dict[str, Function]] = {
    function.name: function
    for function in (
        Function("States.Format", 1, None, _format),
        Function("States.StringToJson", 1, 1, _string_to_json),
        Function("States.JsonToString", 1, 1, _json_to_string),
        Function("States.Array", 0, None, _array_of),
        Function("States.ArrayPartition", 2, 2, _array_partition),
        Function("States.ArrayContains", 2, 2, _array_contains),
        Function("States.ArrayRange", 3, 3, _array_range),
        Function("States.ArrayGetItem", 2, 2, _array_get_item),
        Function("States.ArrayLength", 1, 1, _array_length),
        Function("States.ArrayUnique", 1, 1, _array_unique),
        Function("States.Base64Encode", 1, 1, _base64_encode),
        Function("States.Base64Decode", 1, 1, _base64_decode),
        Function("States.Hash", 2, 2, _hash),
        Function("States.JsonMerge", 3, 3, _json_merge),
        Function("States.MathRandom", 2, 3, _math_random),
        Function("States.MathAdd", 2, 2, _math_add),
        Function("States.StringSplit", 2, 2, _string_split),
        Function("States.UUID", 0, 0, _uuid),
    )
}
