"""Load a definition from a mapping, JSON or YAML text, or a file, filling ``${Name}`` placeholders.

Text and files are loaded by separate functions: :func:`load_definition` never opens a file,
whatever its argument looks like, so a service may hand it text it received without exposing
the files it can read.

Placeholders are filled the way CloudFormation's ``DefinitionSubstitutions`` fills them: by text,
before the definition is parsed, so an unquoted ``${Timeout}`` in JSON becomes a number.
Definitions that are not strict JSON (a trailing comma, ``//`` comments) are still accepted, as the
SAM tooling that deploys many of them accepts them; YAML is read with ``yaml.safe_load`` semantics
and YAML 1.2 booleans, so states named ``Yes`` or ``No`` stay strings.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

import yaml

from orchestra.errors import DefinitionError, Diagnostic

from .limits import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NUMBER_LENGTH,
    json_copy,
    not_json,
    too_deep,
    too_large,
)

Source = Mapping[str, Any] | str | bytes

_PLACEHOLDER: Final = re.compile(r"\$\{([^${}\s]+)\}")
_YAML_SUFFIXES: Final = (".yaml", ".yml")
_BAREWORD: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Jackson quotes up to 500 characters of the text in its errors; we quote a short excerpt.
_EXCERPT: Final = 80
# YAML aliases may repeat a part of the document (a Retry policy, say), but the nodes they add,
# counted as if every alias were expanded in place, stay within this budget: a few hundred
# bytes of nested aliases ("billion laughs") would otherwise expand to billions of nodes.
ALIAS_BUDGET: Final = 10_000


class _Yaml12Loader(yaml.SafeLoader):
    """``SafeLoader`` whose implicit types follow YAML 1.2 for booleans, timestamps and ``=``.

    YAML 1.1 reads ``Yes``, ``No``, ``on`` and ``off`` as booleans and bare dates as datetimes;
    the Serverless Framework and SAM CLI read them as strings, and state names such as ``Yes``
    must survive as written.

    While composing, it counts the nodes that aliases add, refuses an alias to a node that
    contains it (a cycle, which JSON cannot hold), and stops nesting beyond ``MAX_DEPTH``.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = 0  # nodes composed so far, every alias counted as its expansion
        self._expanded = 0  # of those, the nodes aliases added
        self._sizes: dict[str, int] = {}  # anchor -> nodes in its expansion
        self._open: set[str] = set()  # anchors whose node is being composed
        self._depth = 0  # nodes being composed: the composer recurses once per level

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event: yaml.NodeEvent = self.peek_event()  # type: ignore[no-untyped-call]
        anchor = event.anchor
        if isinstance(event, yaml.AliasEvent):
            if anchor in self._open:
                raise _yaml_limit(f"alias '{anchor}' refers to a node that contains it", event)
            if anchor in self._sizes:
                size = self._sizes[anchor]
                self._nodes += size
                self._expanded += size
                if self._expanded > ALIAS_BUDGET:
                    raise _yaml_limit(f"aliases expand to more than {ALIAS_BUDGET} nodes", event)
            return super().compose_node(parent, index)
        start = self._nodes
        self._nodes += 1
        if self._depth > MAX_DEPTH:
            raise too_deep()
        self._depth += 1
        if anchor is None:
            node = super().compose_node(parent, index)
        else:
            self._open.add(anchor)
            node = super().compose_node(parent, index)
            self._open.discard(anchor)
            self._sizes[anchor] = self._nodes - start
        self._depth -= 1
        return node


def _yaml_limit(problem: str, event: yaml.Event) -> DefinitionError:
    mark = event.start_mark
    message = f"Invalid YAML: {_excerpt(problem)}"
    if mark is not None:
        message += f" at line {mark.line + 1}, column {mark.column + 1}"
    return DefinitionError([Diagnostic("INVALID_JSON_DESCRIPTION", "/", message)])


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [
        (tag, pattern)
        for tag, pattern in resolvers
        if tag
        not in {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value"}
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$", re.IGNORECASE), list("tTfF")
)


def _construct_int(loader: _Yaml12Loader, node: yaml.ScalarNode) -> int:
    # Checked before conversion: a long sexagesimal int ("1:0:0:...") takes quadratic time.
    if len(node.value) > MAX_NUMBER_LENGTH + 1:
        raise not_json(f"Number value has more than {MAX_NUMBER_LENGTH} digits")
    value: int = loader.construct_yaml_int(node)
    return value


_Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def load_definition(
    source: Source, *, substitutions: Mapping[str, object] | None = None
) -> dict[str, Any]:
    """Load a state machine definition from a mapping or from JSON or YAML text.

    The result is a fresh copy holding only JSON values (dicts with string keys, lists,
    strings, finite numbers, booleans and None), within AWS's size quota and ``MAX_DEPTH``.

    Args:
        source: a mapping (copied; tuples become lists), or JSON or YAML text (``str``, or
            UTF-8 ``bytes``). Text is only ever parsed: a string that looks like a file name
            is not opened (see :func:`load_definition_file`).
        substitutions: values for ``${Name}`` placeholders, inserted as text before parsing
            (strings as they are, other values in their JSON spelling); in a mapping, into
            every key and string. A placeholder without a value is left as written.

    Returns:
        The definition as a dict.

    Raises:
        DefinitionError: the text is neither JSON nor YAML, or is not an object; the
            definition is larger than ``MAX_LENGTH`` or nests deeper than ``MAX_DEPTH``; or it
            holds a value JSON cannot (a set, an object, NaN, a key that is not a string).
        TypeError: ``source`` is a path (use :func:`load_definition_file`).
    """
    if isinstance(source, Mapping):
        return json_copy(source, _filler(substitutions))
    if isinstance(source, os.PathLike):
        raise TypeError("a definition is a mapping or JSON/YAML text; read a file with from_file")
    if isinstance(source, bytes | bytearray):
        text = _decoded(bytes(source))
    elif isinstance(source, str):
        text = source
    else:
        raise _not_an_object()
    return _load_text(text, substitutions, prefer_yaml=False, quote=True)


def load_definition_file(
    path: str | os.PathLike[str], *, substitutions: Mapping[str, object] | None = None
) -> dict[str, Any]:
    """Load a state machine definition from a file.

    Args:
        path: a ``.json``, ``.asl.json``, ``.asl`` file, or a ``.yaml``/``.yml`` file (read as
            YAML first). The file is UTF-8, with or without a byte order mark.
        substitutions: as for :func:`load_definition`.

    Returns:
        The definition as a dict.

    Raises:
        DefinitionError: as for :func:`load_definition`.
        OSError: the file cannot be read.
    """
    file = Path(path)
    with file.open("rb") as stream:
        # A character is at most 4 bytes of UTF-8: more than this is over the quota.
        data = stream.read(4 * MAX_LENGTH + 4)
    prefer_yaml = file.name.lower().endswith(_YAML_SUFFIXES)
    return _load_text(_decoded(data), substitutions, prefer_yaml=prefer_yaml, quote=False)


def _load_text(
    text: str, substitutions: Mapping[str, object] | None, *, prefer_yaml: bool, quote: bool
) -> dict[str, Any]:
    if len(text) > MAX_LENGTH:
        raise too_large()
    if substitutions:
        text = _substitute(text, substitutions)
        if len(text) > MAX_LENGTH:
            raise too_large()
    return json_copy(_parse(text, prefer_yaml=prefer_yaml, quote=quote))


def _decoded(data: bytes) -> str:
    if len(data) > 4 * MAX_LENGTH + 3:
        raise too_large()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = f"Invalid UTF-8 {exc.reason} at byte {exc.start}"
        raise DefinitionError([Diagnostic("INVALID_JSON_DESCRIPTION", "/", message)]) from None


def _spelling(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _filler(substitutions: Mapping[str, object] | None) -> Callable[[str], str] | None:
    if not substitutions:
        return None
    return lambda text: _substitute(text, substitutions)


def _substitute(text: str, substitutions: Mapping[str, object]) -> str:
    """``text`` with its placeholders filled; never grown by more than ``MAX_LENGTH``."""
    grown = 0

    def fill(match: re.Match[str]) -> str:
        nonlocal grown
        name = match.group(1)
        if name not in substitutions:
            return match.group(0)
        value = _spelling(substitutions[name])
        grown += len(value)
        if grown > MAX_LENGTH:
            raise too_large()
        return value

    return _PLACEHOLDER.sub(fill, text)


def _parse(text: str, *, prefer_yaml: bool, quote: bool) -> dict[str, Any]:
    """Parse JSON (strict, then with comments and trailing commas) or else YAML.

    ``quote`` says whether errors may quote an excerpt of the text (not for a file's content).
    """
    if not text.strip():
        raise _not_an_object()
    json_error: json.JSONDecodeError | None = None
    if not prefer_yaml:
        try:
            return _as_object(_json_loads(text))
        except json.JSONDecodeError as exc:
            json_error = exc
        try:
            return _as_object(_json_loads(_strip_json_extensions(text)))
        except json.JSONDecodeError:
            pass
    try:
        # A SafeLoader subclass: only plain YAML types, never Python objects.
        loaded = yaml.load(text, Loader=_Yaml12Loader)
    except (yaml.YAMLError, ValueError) as exc:
        # ValueError: a constructor refused a scalar (an int of 5,000 digits, a bad !!timestamp).
        if json_error is not None and text.lstrip().startswith(("{", "[")):
            raise _json_syntax_error(text, json_error, quote=quote) from exc
        raise _yaml_syntax_error(exc) from exc
    if json_error is not None and not isinstance(loaded, dict):
        # Any bare word is a YAML document; for JSON-looking input the JSON error says more.
        raise _json_syntax_error(text, json_error, quote=quote) from json_error
    return _as_object(loaded)


def _json_loads(text: str) -> Any:
    try:
        return json.loads(
            text, parse_int=_json_int, parse_float=_json_float, parse_constant=_json_constant
        )
    except RecursionError:
        # The C decoder recurses once per level: the text nests far deeper than MAX_DEPTH.
        raise too_deep() from None


def _json_int(digits: str) -> int:
    if len(digits) > MAX_NUMBER_LENGTH + digits.startswith("-"):
        raise not_json(f"Number value has more than {MAX_NUMBER_LENGTH} digits")
    return int(digits)


def _json_float(digits: str) -> float:
    if len(digits) > MAX_NUMBER_LENGTH:
        raise not_json(f"Number value has more than {MAX_NUMBER_LENGTH} digits")
    return float(digits)


def _json_constant(name: str) -> float:
    raise not_json(f"Non-standard token '{name}': NaN and Infinity are not JSON numbers")


def _as_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _not_an_object()
    return value


def _not_an_object() -> DefinitionError:
    return DefinitionError(
        [Diagnostic("SCHEMA_VALIDATION_FAILED", "/", "Definition must be a valid JSON object")]
    )


def _excerpt(text: str) -> str:
    """``text`` cut to a short excerpt, saying how much was left out as Jackson does."""
    if len(text) <= _EXCERPT:
        return text
    return f"{text[:_EXCERPT]}[truncated {len(text) - _EXCERPT} chars]"


def _json_syntax_error(text: str, error: json.JSONDecodeError, *, quote: bool) -> DefinitionError:
    """The JSON error in the words of Jackson, the parser AWS uses, with line and column.

    Like Jackson, the source is described as ``(String)`` followed by the start of the text
    (here a short excerpt), or as ``(File)`` without any of its content.
    """
    if quote:
        head = text[:_EXCERPT]
        shown = f'(String)"{head}"' + (
            f"[truncated {len(text) - len(head)} chars]" if len(text) > len(head) else ""
        )
    else:
        shown = "(File)"
    bareword = _BAREWORD.match(text, error.pos)
    if bareword is not None and bareword.group(0) not in {"true", "false", "null"}:
        column = error.colno + len(bareword.group(0))
        message = (
            f"Unrecognized token '{_excerpt(bareword.group(0))}': was expecting (JSON String, "
            "Number, Array, Object or token 'null', 'true' or 'false')\n"
            f" at [Source: {shown}; line: {error.lineno}, column: {column}]"
        )
    else:
        message = f"{error.msg}\n at [Source: {shown}; line: {error.lineno}, column: {error.colno}]"
    return DefinitionError([Diagnostic("INVALID_JSON_DESCRIPTION", "/", message)])


def _yaml_syntax_error(error: yaml.YAMLError | ValueError) -> DefinitionError:
    """The YAML error's problem (cut to an excerpt) with its line and column."""
    mark = getattr(error, "problem_mark", None)
    problem = _excerpt(getattr(error, "problem", None) or str(error))
    if mark is None:
        message = f"Invalid YAML: {problem}"
    else:
        message = f"Invalid YAML: {problem} at line {mark.line + 1}, column {mark.column + 1}"
    return DefinitionError([Diagnostic("INVALID_JSON_DESCRIPTION", "/", message)])


def _strip_json_extensions(text: str) -> str:
    """``text`` without ``//`` and ``/* */`` comments and trailing commas outside strings."""
    out: list[str] = []
    pos, end = 0, len(text)
    while pos < end:
        char = text[pos]
        if char == '"':
            close = pos + 1
            while close < end and text[close] != '"':
                close += 2 if text[close] == "\\" else 1
            out.append(text[pos : close + 1])
            pos = close + 1
        elif char == "/" and (after := _comment_end(text, pos)) is not None:
            pos = after
        elif char == ",":
            following = _skip_blank(text, pos + 1)
            if following >= end or text[following] not in "}]":
                out.append(char)
            pos += 1
        else:
            out.append(char)
            pos += 1
    return "".join(out)


def _skip_blank(text: str, pos: int) -> int:
    """The position of the next character that is neither whitespace nor inside a comment."""
    while pos < len(text):
        if text[pos] in " \t\r\n":
            pos += 1
        elif (after := _comment_end(text, pos)) is not None:
            pos = after
        else:
            break
    return pos


def _comment_end(text: str, pos: int) -> int | None:
    """Where the ``//`` or ``/* */`` comment starting at ``pos`` ends; None if none starts there.

    A line comment ends before its newline; a comment left open runs to the end of the text.
    """
    if text.startswith("//", pos):
        newline = text.find("\n", pos)
        return len(text) if newline < 0 else newline
    if text.startswith("/*", pos):
        close = text.find("*/", pos + 2)
        return len(text) if close < 0 else close + 2
    return None
