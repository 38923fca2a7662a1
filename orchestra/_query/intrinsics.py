"""Intrinsic function calls (``States.Format('{}', $.x)``), parsed and compiled once.

The text is parsed by a small recursive-descent parser into a tree of closures: literals
become constants, JSONPath arguments become compiled :class:`~orchestra._query.paths.Path`
readers and calls become the function applied to their evaluated arguments. Evaluating the
result parses nothing, except a ``States.Format`` template that comes from a path.

Grammar (whitespace is allowed around every token)::

    call     := NAME "(" [argument ("," argument)*] ")"
    argument := string | number | "true" | "false" | "null" | path | call
    string   := "'" (char | "\\'" | "\\{" | "\\}" | "\\\\")* "'"
    number   := JSON number, e.g. -1, 0.5, 2e3
    path     := "$" ... (a JSONPath on the input, "$$" the context, "$name" a variable)
"""

from __future__ import annotations

import functools
import math
import random
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from .. import errors
from .failures import to_json
from .intrinsic_functions import (
    FUNCTIONS,
    EvaluationFailure,
    Implementation,
    format_with,
    parse_template,
)
from .paths import MEMO_SIZE, Path, PathNotFound, PathSyntaxError, compile_path

__all__ = [
    "MAX_NESTING",
    "Intrinsic",
    "IntrinsicError",
    "IntrinsicSyntaxError",
    "compile_intrinsic",
    "is_intrinsic",
]

Node = Callable[[Any, Any, Mapping[str, Any] | None, random.Random], Any]

MAX_NESTING: Final = 10
"""How deeply calls may nest in one field, as AWS documents."""

_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_NUMBER: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_KEYWORDS: Final[dict[str, Any]] = {"true": True, "false": False, "null": None}
_STRING_ESCAPES: Final = frozenset("'{}\\")
_DELIMITERS: Final = frozenset(",)") | frozenset(" \t\r\n")
_CLOSING: Final = {"[": "]", "(": ")"}


class IntrinsicSyntaxError(ValueError):
    """An intrinsic function call's text is malformed, names no function or has a wrong arity.

    ``str(exc)`` says what is wrong and where; ``position`` is the offset in the call's text.
    """

    def __init__(self, text: str, position: int, problem: str) -> None:
        self.position = position
        super().__init__(
            f"Invalid intrinsic function call {text!r}: {problem} at position {position}"
        )


class IntrinsicError(Exception):
    """Evaluating an intrinsic function call failed.

    ``cause`` is AWS's cause text without the prefix "An error occurred while executing the
    state '<name>' (entered at the event id #<id>). ", which the engine adds because only it
    knows the state and the event id. AWS reports every intrinsic failure as
    ``States.Runtime``, which ``States.ALL`` does not catch.

    Attributes:
        error: the ASL error name.
        cause: the cause text, e.g. "The function 'States.MathAdd($.a, 1)' had the following
            error: Invalid arguments in States.MathAdd".
    """

    def __init__(self, error: str, cause: str) -> None:
        self.error = error
        self.cause = cause
        super().__init__(f"{error}: {cause}")


def is_intrinsic(text: str) -> bool:
    """Whether ``text`` is meant as an intrinsic function call rather than a path.

    A cheap test of the prefix only: :func:`compile_intrinsic` tells whether it is valid.
    """
    return isinstance(text, str) and text.startswith("States.")


class Intrinsic:
    """A compiled intrinsic function call; immutable, so that machines can share it.

    Attributes:
        text: the call as written; AWS's causes quote it verbatim.
        name: the outermost function's name, e.g. ``"States.Format"``.
    """

    __slots__ = ("_root", "name", "text")

    text: str
    name: str
    _root: Node

    def __init__(self, text: str, name: str, root: Node) -> None:
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "_root", root)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def evaluate(
        self,
        data: Any,
        context: Any,
        variables: Mapping[str, Any] | None,
        rng: random.Random,
    ) -> Any:
        """The call's value.

        Args:
            data: the document ``$`` refers to (the state's effective input).
            context: the context object ``$$`` refers to.
            variables: the workflow variables in scope.
            rng: the execution's random source; ``States.UUID`` and an unseeded
                ``States.MathRandom`` draw only from it, so a replay gives the same values.

        Raises:
            IntrinsicError: a path argument did not resolve, or a function refused its
                arguments.
        """
        try:
            return self._root(data, context, variables, rng)
        except EvaluationFailure as failure:
            raise IntrinsicError(
                errors.RUNTIME,
                f"The function '{self.text}' had the following error: {failure.detail}",
            ) from None

    def __repr__(self) -> str:
        return f"Intrinsic({self.text!r})"


def compile_intrinsic(text: str) -> Intrinsic:
    """Parse and compile an intrinsic function call.

    Raises:
        IntrinsicSyntaxError: the text is malformed (unbalanced parentheses, a bad literal or
            escape, an invalid path, trailing text), names an unknown function, passes the
            wrong number of arguments, or nests calls more than ``MAX_NESTING`` deep.
    """
    if not isinstance(text, str):
        raise IntrinsicSyntaxError(repr(text), 0, "an intrinsic function call must be a string")
    return _memo_intrinsic(text)


@functools.lru_cache(maxsize=MEMO_SIZE)
def _memo_intrinsic(text: str) -> Intrinsic:
    # Compiled once per text, as paths are (see compile_path).
    parser = _Parser(text)
    name, root, end = parser.call(0, 1)
    end = parser.skip_space(end)
    if end != len(text):
        raise IntrinsicSyntaxError(text, end, "unexpected text after the call")
    return Intrinsic(text, name, root)


def _constant(value: Any) -> Node:
    return lambda data, context, variables, rng: value


def _path_reader(path: Path) -> Node:
    # AWS names a context path as if it were rooted at the input ("$$.A" becomes "$.A").
    shown = path.text[1:] if path.root == "context" else path.text

    def read(
        data: Any, context: Any, variables: Mapping[str, Any] | None, rng: random.Random
    ) -> Any:
        try:
            return path.get(data, context, variables)
        except PathNotFound as exc:
            if exc.message.startswith("Filter:"):
                # AWS lets its JSONPath library's own message through here.
                raise EvaluationFailure(exc.message) from None
            raise EvaluationFailure(
                f"The JsonPath argument for the field '{shown}' could not be found in the input '{to_json(data)}'"
            ) from None

    return read


class _Parser:
    """Recursive descent over the text; each method returns what it built and the next offset."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def fail(self, position: int, problem: str) -> IntrinsicSyntaxError:
        return IntrinsicSyntaxError(self.text, position, problem)

    def skip_space(self, position: int) -> int:
        text = self.text
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        return position

    def call(self, position: int, depth: int) -> tuple[str, Node, int]:
        text = self.text
        match = _NAME.match(text, position)
        if match is None:
            raise self.fail(position, "expected a function name")
        name = match.group()
        function = FUNCTIONS.get(name)
        if function is None:
            raise self.fail(position, f"unknown function '{name}'")
        if depth > MAX_NESTING:
            raise self.fail(position, f"calls nest more than {MAX_NESTING} deep")
        position = self.skip_space(match.end())
        if not text.startswith("(", position):
            raise self.fail(position, f"expected '(' after '{name}'")
        position = self.skip_space(position + 1)
        arguments: list[Node] = []
        template_literal: str | None = None
        if text.startswith(")", position):
            position += 1
        else:
            while True:
                if not arguments and name == "States.Format" and text.startswith("'", position):
                    template_literal, _, _ = self.string(position)
                node, position = self.argument(position, depth)
                arguments.append(node)
                position = self.skip_space(position)
                if text.startswith(",", position):
                    position = self.skip_space(position + 1)
                    continue
                if text.startswith(")", position):
                    position += 1
                    break
                raise self.fail(position, f"expected ',' or ')' in the arguments of '{name}'")
        count = len(arguments)
        if count < function.min_args or (
            function.max_args is not None and count > function.max_args
        ):
            raise self.fail(
                match.start(), f"'{name}' takes {function.arity()} argument(s), got {count}"
            )
        implementation = function.implementation
        if template_literal is not None:
            implementation = format_with(parse_template(template_literal))
        return name, _apply(implementation, tuple(arguments)), position

    def argument(self, position: int, depth: int) -> tuple[Node, int]:
        text = self.text
        if position >= len(text):
            raise self.fail(position, "expected an argument")
        char = text[position]
        if char == "'":
            _, value, end = self.string(position)
            return _constant(value), end
        if char == "$":
            return self.path(position)
        if char == "-" or char.isdigit():
            return self.number(position)
        word = _NAME.match(text, position)
        if word is not None and word.group() in _KEYWORDS:
            if not self.delimited(word.end()):
                raise self.fail(word.end(), f"unexpected text after '{word.group()}'")
            return _constant(_KEYWORDS[word.group()]), word.end()
        if word is not None and text.startswith("(", self.skip_space(word.end())):
            _, node, end = self.call(position, depth + 1)
            return node, end
        if word is not None:
            raise self.fail(position, f"unexpected word '{word.group()}'")
        raise self.fail(position, f"unexpected character {char!r}")

    def delimited(self, position: int) -> bool:
        return position >= len(self.text) or self.text[position] in _DELIMITERS

    def string(self, position: int) -> tuple[str, str, int]:
        """A quoted literal: its raw text (escapes intact), its value and the next offset."""
        text = self.text
        start = position + 1
        value: list[str] = []
        position = start
        while position < len(text):
            char = text[position]
            if char == "'":
                return text[start:position], "".join(value), position + 1
            if char == "\\":
                escaped = text[position + 1 : position + 2]
                if escaped not in _STRING_ESCAPES:
                    raise self.fail(
                        position,
                        "a backslash in a string literal must escape one of ' { } \\",
                    )
                value.append(escaped)
                position += 2
                continue
            value.append(char)
            position += 1
        raise self.fail(start - 1, "unterminated string literal")

    def number(self, position: int) -> tuple[Node, int]:
        match = _NUMBER.match(self.text, position)
        if match is None or not self.delimited(match.end()):
            raise self.fail(position, "invalid number")
        literal = match.group()
        if any(mark in literal for mark in ".eE"):
            value: int | float = float(literal)
            if not math.isfinite(value):
                raise self.fail(position, "number out of range")
        else:
            try:
                value = int(literal)
            except ValueError:
                # More digits than int() converts (sys.get_int_max_str_digits()).
                raise self.fail(position, "number out of range") from None
        return _constant(value), match.end()

    def path(self, position: int) -> tuple[Node, int]:
        text = self.text
        end = position
        closers: list[str] = []
        quote: str | None = None
        while end < len(text):
            char = text[end]
            if quote is not None:
                if char == "\\":
                    end += 1
                elif char == quote:
                    quote = None
            elif closers and char in "'\"":
                quote = char
            elif char in _CLOSING:
                closers.append(_CLOSING[char])
            elif closers and char == closers[-1]:
                closers.pop()
            elif not closers and char in _DELIMITERS:
                break
            end += 1
        if quote is not None or closers:
            raise self.fail(position, "unbalanced brackets in a path")
        try:
            path = compile_path(text[position:end])
        except PathSyntaxError:
            raise self.fail(position, f"invalid path {text[position:end]!r}") from None
        return _path_reader(path), end


def _apply(implementation: Implementation, arguments: tuple[Node, ...]) -> Node:
    if not arguments:
        return lambda data, context, variables, rng: implementation((), rng)

    def apply(
        data: Any, context: Any, variables: Mapping[str, Any] | None, rng: random.Random
    ) -> Any:
        return implementation(
            [argument(data, context, variables, rng) for argument in arguments], rng
        )

    return apply
