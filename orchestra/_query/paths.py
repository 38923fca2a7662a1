"""JSONPath paths and reference paths, compiled once.

ASL evaluates paths the way Jayway JsonPath (AWS's Java implementation) does: a *definite* path
(only names and indices) yields one value or fails; an *indefinite* path (wildcards, filters,
slices, deep scan, unions) yields a list, possibly empty. Definite paths are compiled to a tuple
of steps walked by a tight loop; indefinite ones are parsed once by jsonpath-ng.

jsonpath-ng's extended parser reads more than JSONPath as Jayway evaluates it (arithmetic,
``sorted``, ``len``, ``where``, ``|``, `` `this` ``, regular expressions run by Python's
backtracking ``re``). Only the subset AWS documents is accepted: names, indices, wildcards,
slices, unions, deep scan, ``.length()`` at the end, and filters ``[?(...)]`` that test a
path's presence (``@.a``, ``!@.a``) or compare it with ``==``, ``!=``, ``<``, ``<=``, ``>``,
``>=`` to a literal or another path, joined with ``&&`` and ``||``. An indefinite path is
evaluated within a budget of steps, so no path can run long on any input.

A path starts at one of three roots: ``$`` (the state's input), ``$$`` (the context object) or
``$name`` (a workflow variable).
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any, Final, Literal

Root = Literal["input", "context", "variable"]
Step = str | int

_NAME_STEP: Final = re.compile(r"\.([^.\[\]]+)")
_BRACKET_STEP: Final = re.compile(
    r"\[\s*(?:'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"|(-?\d+))\s*\]"
)
_VARIABLE_ROOT: Final = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_LENGTH: Final = ".length()"

MAX_PATH_DEPTH: Final = 50
"""The most segments and filter terms an indefinite path may nest (jsonpath-ng recurses once per
level; paths people write have a handful)."""

MAX_STEPS: Final = 200_000
"""The steps an indefinite path may take on one input: each call into a part of the path counts
one, and each node it returns one more. ``$..name`` over a 256 KB input takes about one step per
node of the input; a union of repeated indices or a filter that scans deep inside every element
can take steps without end, and fails with ``States.Runtime`` instead."""

MEMO_SIZE: Final = 4096
"""How many compiled texts each compile function keeps for reuse (paths, intrinsic calls,
JSONata expressions). A machine with more distinct texts compiles some of them twice; a
compiled filter path takes some 7 KB, a definite one under 1 KB."""

_FILTER_OPERATORS: Final = frozenset([None, "!", "==", "!=", "<", "<=", ">", ">="])
_STEPS: ContextVar[list[int]] = ContextVar("orchestra_path_steps")


class PathSyntaxError(ValueError):
    """A path's text is not valid JSONPath (or not a valid reference path)."""


class PathNotFound(LookupError):
    """A definite path did not resolve; ``message`` is Jayway's wording of why."""

    def __init__(self, path: str, message: str) -> None:
        self.message = message
        super().__init__(f"Invalid path '{path}' : {message}")


class PathApplyError(LookupError):
    """A reference path could not be applied to write a value (ResultPath)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def _normalized(steps: tuple[Step, ...]) -> str:
    return "$" + "".join(f"[{step}]" if isinstance(step, int) else f"['{step}']" for step in steps)


def _parse_steps(text: str, start: int) -> tuple[Step, ...] | None:
    """Steps of a definite path from ``start``, or None when the path is not definite."""
    steps: list[Step] = []
    pos = start
    end = len(text)
    while pos < end:
        if text.startswith("..", pos):
            return None
        if text[pos] == ".":
            match = _NAME_STEP.match(text, pos)
            if match is None:
                return None
            name = match.group(1)
            if name == "*" or "(" in name or "*" in name:
                return None
            steps.append(name)
        elif text[pos] == "[":
            match = _BRACKET_STEP.match(text, pos)
            if match is None:
                return None
            single, double, index = match.groups()
            if index is not None:
                try:
                    steps.append(int(index))
                except ValueError:
                    # More digits than int() converts (sys.get_int_max_str_digits()).
                    raise _syntax_error(text) from None
            elif single is not None:
                # Like Jayway, only the quote itself is escaped; other backslashes are literal.
                steps.append(single.replace("\\'", "'"))
            else:
                assert double is not None
                steps.append(double.replace('\\"', '"'))
        else:
            return None
        pos = match.end()
    return tuple(steps)


def _walk(steps: tuple[Step, ...], text: str) -> Callable[[Any], Any]:
    if not steps:
        return lambda data: data

    last = len(steps) - 1

    def walk(data: Any) -> Any:
        for position, step in enumerate(steps):
            if isinstance(step, str):
                if type(data) is dict and step in data:
                    data = data[step]
                    continue
                prefix = _normalized(steps[: position + 1])
                if position == last:
                    raise PathNotFound(text, f"No results for path: {prefix}")
                raise PathNotFound(text, f"Missing property in path {prefix}")
            if type(data) is list and -len(data) <= step < len(data):
                data = data[step]
                continue
            prefix = _normalized(steps[: position + 1])
            if type(data) is not list:
                raise PathNotFound(
                    text,
                    f"Filter: [{step}] can only be applied to arrays. Current context is: {data}",
                )
            raise PathNotFound(text, f"Index out of bounds when evaluating path {prefix}")
        return data

    return walk


class _OutOfSteps(Exception):
    """An indefinite path took more than ``MAX_STEPS`` steps on one input."""


def _syntax_error(text: str) -> PathSyntaxError:
    return PathSyntaxError(f"The value for the field must be a valid JSONPath: {text}")


def _parse_jayway(expression: str, text: str) -> Any:
    """jsonpath-ng's tree for ``expression``, checked to hold only what Jayway evaluates."""
    from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
    from jsonpath_ng.ext.parser import parse

    try:
        with warnings.catch_warnings():
            # jsonpath-ng warns about filter spellings it still parses; the path is valid.
            warnings.simplefilter("ignore", DeprecationWarning)
            compiled = parse(expression)
    except (JsonPathLexerError, JsonPathParserError, Exception) as exc:
        raise _syntax_error(text) from exc
    for node in _jayway_nodes(compiled, text):
        _count_steps(node)
    return compiled


_QUERY, _RELATIVE, _SEGMENT, _CONDITION = range(4)


def _jayway_nodes(tree: Any, text: str) -> list[Any]:
    """Every node of a parsed path, once each are known to be in the Jayway subset.

    Raises:
        PathSyntaxError: a node is a jsonpath-ng extension (arithmetic, ``sorted``, ``len``,
            ``where``, ``|``, `` `this` `` or `` `parent` `` in the path, a regular expression,
            the ``=`` operator, a slice without bounds), or the path nests too deeply.
    """
    from jsonpath_ng import Child, Descendants, Fields, Index, JSONPath, Root, Slice, This
    from jsonpath_ng import jsonpath as nodes_module
    from jsonpath_ng.ext import filter as filters_module
    from jsonpath_ng.ext.filter import Expression, Filter

    # Recent jsonpath-ng releases parse ``[*]`` to a Wildcard and ``&&``/``||`` to And and Or;
    # older ones have no such classes (and parse ``[*]`` to Fields('*')).
    wildcard = getattr(nodes_module, "Wildcard", None)
    conjunction = getattr(filters_module, "And", None)
    disjunction = getattr(filters_module, "Or", None)
    found: list[Any] = []
    # (node, what it must be, its depth); a relative query is one inside a filter.
    stack: list[tuple[Any, int, int]] = [(tree, _QUERY, 1)]
    while stack:
        node, role, depth = stack.pop()
        kind = type(node)
        if depth > MAX_PATH_DEPTH:
            raise _syntax_error(text)
        found.append(node)
        if role in (_QUERY, _RELATIVE):
            if kind is Child or kind is Descendants:
                stack.append((node.left, role, depth + 1))
                stack.append((node.right, _SEGMENT, depth + 1))
            elif not (kind is Root or (kind is This and role == _RELATIVE)):
                raise _syntax_error(text)
        elif role == _SEGMENT:
            if kind is Slice:
                if node.start is None and node.end is None:
                    raise _syntax_error(text)  # Jayway: "Failed to parse SliceOperation"
                node.step = None  # Jayway reads a slice's start and end and ignores the rest
            elif kind is Filter:
                stack.extend((expression, _CONDITION, depth + 1) for expression in node.expressions)
            elif not (kind is Fields or kind is Index or kind is wildcard):
                raise _syntax_error(text)
        elif kind is conjunction or kind is disjunction:
            stack.extend((operand, _CONDITION, depth + 1) for operand in node.operands)
        elif kind is Expression and node.op in _FILTER_OPERATORS:
            stack.append((node.target, _RELATIVE, depth + 1))
            if isinstance(node.value, JSONPath):
                stack.append((node.value, _RELATIVE, depth + 1))
            elif node.value is not None and type(node.value) not in (str, int, float, bool):
                raise _syntax_error(text)
        else:
            # Jayway matches =~ only against a /pattern/ literal, which jsonpath-ng cannot read.
            raise _syntax_error(text)
    return found


def _count_steps(node: Any) -> None:
    """Make each call to ``node.find`` count against the evaluation's budget of steps."""
    find = node.find

    def counted(datum: Any) -> Any:
        steps = _STEPS.get()
        steps[0] -= 1
        found = find(datum)
        steps[0] -= len(found)
        if steps[0] < 0:
            raise _OutOfSteps
        return found

    node.find = counted


def _jsonpath_ng_finder(text: str, expression: str) -> Callable[[Any], Any]:
    from jsonpath_ng.ext.iterable import Len

    length = expression.endswith(_LENGTH)
    if length:
        expression = expression[: -len(_LENGTH)]
    # Jayway accepts a dot before a bracket ("$.[0]", "$.['a']"); jsonpath-ng does not.
    # A deep scan's two dots stay: "$..[0]".
    translated = re.sub(r"(?<!\.)\.\[", "[", expression)
    compiled = _parse_jayway(translated, text)
    if length:
        from jsonpath_ng import Child

        compiled = Child(compiled, Len())
        _count_steps(compiled)
        _count_steps(compiled.right)

    def find(data: Any) -> Any:
        token = _STEPS.set([MAX_STEPS])
        try:
            return [match.value for match in compiled.find(data)]
        except _OutOfSteps:
            raise PathNotFound(
                text, f"Evaluating the path took more than {MAX_STEPS} steps"
            ) from None
        except RecursionError:
            raise PathNotFound(text, "Evaluating the path ran out of stack") from None
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
            raise PathNotFound(text, f"The path cannot be evaluated on this input: {exc}") from None
        finally:
            _STEPS.reset(token)

    return find


class Path:
    """A compiled JSONPath: ``get(input, context, variables)`` returns its value.

    Immutable, so that one compiled path serves every machine that holds its text.

    Attributes:
        text: the path as written.
        root: ``"input"``, ``"context"`` or ``"variable"``.
        variable: the variable's name when ``root == "variable"``.
        definite: whether the path names a single node (then ``steps`` holds its steps).
    """

    __slots__ = ("_find", "definite", "root", "steps", "text", "variable")

    text: str
    root: Root
    variable: str | None
    definite: bool
    steps: tuple[Step, ...]
    _find: Callable[[Any], Any]

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not text.startswith("$"):
            raise _syntax_error(text)
        variable: str | None = None
        root: Root = "input"
        start = 1
        if text.startswith("$$"):
            root, start = "context", 2
        elif (match := _VARIABLE_ROOT.match(text)) is not None:
            root, start, variable = "variable", match.end(), match.group(1)
        steps = _parse_steps(text, start)
        find = (
            _walk(steps, text)
            if steps is not None
            else _jsonpath_ng_finder(text, "$" + text[start:])
        )
        for name, value in (
            ("text", text),
            ("root", root),
            ("variable", variable),
            ("definite", steps is not None),
            ("steps", steps or ()),
            ("_find", find),
        ):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def get(
        self, data: Any, context: Any = None, variables: Mapping[str, Any] | None = None
    ) -> Any:
        """The value at this path.

        Args:
            data: the document ``$`` refers to.
            context: the context object ``$$`` refers to.
            variables: the workflow variables in scope.

        Raises:
            PathNotFound: a definite path did not resolve.
        """
        if self.root == "input":
            return self._find(data)
        if self.root == "context":
            return self._find(context)
        name = self.variable
        if variables is None or name is None or name not in variables:
            raise PathNotFound(self.text, f"Variable '{name}' is not defined")
        return self._find(variables[name])

    def __repr__(self) -> str:
        return f"Path({self.text!r})"


def compile_path(text: str) -> Path:
    """Compile a Path (InputPath, OutputPath, ItemsPath, a Choice ``Variable``, ``.$`` values).

    A text is compiled once: validation and compilation, and every machine that holds the
    same text, share the immutable result (within a bound of ``MEMO_SIZE`` texts).

    Raises:
        PathSyntaxError: the text is not a valid path.
    """
    if not isinstance(text, str):
        raise _syntax_error(text)
    return _memo_path(text)


@functools.lru_cache(maxsize=MEMO_SIZE)
def _memo_path(text: str) -> Path:
    return Path(text)


def compile_reference_path(text: str) -> Path:
    """Compile a Reference Path: a definite path to a single node (ResultPath, ``...Path`` fields).

    Raises:
        PathSyntaxError: the text is not a valid reference path.
    """
    path = compile_path(text)
    if not path.definite:
        raise PathSyntaxError(f"The value for the field must be a valid ReferencePath: {text}")
    return path


def set_at(path: Path, data: Any, value: Any) -> Any:
    """Return ``data`` with ``value`` placed at the reference path ``path`` (ResultPath).

    Only the containers along the path are copied; everything else is shared, so the
    caller's ``data`` is never mutated. Missing objects along the path are created.

    Raises:
        PathApplyError: a step of the path meets a value that is not an object.
    """
    steps = path.steps
    if not steps:
        return value
    return _set(steps, 0, data, value, path.text)


def _set(steps: tuple[Step, ...], position: int, node: Any, value: Any, text: str) -> Any:
    step = steps[position]
    last = position == len(steps) - 1
    if isinstance(step, str):
        if node is None:
            node = {}
        if type(node) is not dict:
            raise PathApplyError(
                f"Unable to apply ResultPath '{text}' to input: step '{step}' does not refer to an object",
            )
        copy = dict(node)
        copy[step] = value if last else _set(steps, position + 1, node.get(step), value, text)
        return copy
    if type(node) is not list or not -len(node) <= step < len(node):
        raise PathApplyError(
            f"Unable to apply ResultPath '{text}' to input: index [{step}] is out of range"
        )
    copy_list = list(node)
    copy_list[step] = value if last else _set(steps, position + 1, node[step], value, text)
    return copy_list
