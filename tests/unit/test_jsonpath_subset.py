"""Only the JSONPath that AWS evaluates (Jayway's) is accepted, and evaluating it is bounded."""

from __future__ import annotations

import inspect
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestra import DefinitionError, StateMachine
from orchestra._query.paths import MAX_PATH_DEPTH, MAX_STEPS, PathNotFound, compile_path
from orchestra.errors import Diagnostic
from tests.helpers import machine, run

STORE = {
    "store": {
        "book": [
            {"title": "A", "price": 8, "tags": ["x"]},
            {"title": "B", "price": 12},
            {"title": "C", "price": 20, "isbn": "1"},
        ],
        "bicycle": {"price": 19},
    },
    "limit": 10,
}

# Each is indefinite (a wildcard, an index followed by more), so jsonpath-ng would read it.
EXTENSIONS = [
    "$.a * $.b",
    "$[*].a + 1",
    "$.a[0] - $.b",
    "$[0] / 2",
    "$[*].`len`",
    "$..`sorted`",
    "$[*].`keys`",
    "$[*].`str()`",
    "$[*].`sub(/x/, y)`",
    "$[*].`split(,, 0, -1)`",
    "$.a[\\b]",
    "$.a[/b]",
    "$[*] where $.b",
    "$[*] wherenot $.b",
    "$[*] | $.b",
    "$[*] & $.b",
    "$[*].`this`",
    "$[*].`parent`",
    "$[?(@.a =~ 'x.*')]",
    "$[?(@.a =~ /x.*/)]",
    "$[?(@.a = 1)]",
    "$[?(a > 1)]",
    "$[:]",
    "$[::2]",
    "$" + ".a" * MAX_PATH_DEPTH + "[*]",
]


@pytest.mark.parametrize("path", EXTENSIONS)
def test_jsonpath_ng_extensions_are_refused(path: str) -> None:
    """Arithmetic, named operators, where, unions of paths, regexes... are not ASL paths."""
    definition = machine(("P", {"Type": "Pass", "InputPath": path}))
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(definition)
    assert error.value.diagnostics == (
        Diagnostic(
            "SCHEMA_VALIDATION_FAILED",
            "/States/P/InputPath",
            "The value for the field 'InputPath' must be a valid JSONPath",
        ),
    )


def test_extension_in_a_template_names_the_field() -> None:
    """In a payload template the refused path is named by its ``.$`` field."""
    definition = machine(("P", {"Type": "Pass", "Parameters": {"x.$": "$.a * $.b"}}))
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(definition)
    assert error.value.diagnostics == (
        Diagnostic(
            "SCHEMA_VALIDATION_FAILED",
            "/States/P/Parameters",
            "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic "
            "function call",
        ),
    )


def test_refusal_message_names_the_path() -> None:
    """The syntax error itself quotes the path, in the existing form."""
    with pytest.raises(ValueError, match=r"must be a valid JSONPath: \$\.a \* \$\.b$"):
        compile_path("$.a * $.b")


def test_backticks_in_a_definite_path_are_part_of_the_name() -> None:
    """As in Jayway, a definite path's backticks are characters of a name, not operators."""
    assert compile_path("$.`len`").get({"`len`": 5}) == 5


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.store.book[*].title", ["A", "B", "C"]),
        ("$.store['book'][0,2].title", ["A", "C"]),
        ('$.store["book"][-1:].title', ["C"]),
        ("$.store.book[:2].title", ["A", "B"]),
        ("$.store.book[1:2].title", ["B"]),
        ("$.store.book.[0].title", ["A"]),
        ("$.store.book[0:3:2].title", ["A", "B", "C"]),  # Jayway ignores a slice's step
        ("$.store.*.price", [19]),
        ("$.store.book[*]['title','price']", ["A", 8, "B", 12, "C", 20]),
        ("$..book[?(@.price > 10)].title", ["B", "C"]),
        ("$..[?(@.isbn)].title", ["C"]),
        ("$.store.book[?(@.price < $.limit)].title", ["A"]),
        ("$.store.book[?(@.isbn)].title", ["C"]),
        ("$.store.book[?(!@.isbn)].title", ["A", "B"]),
        ("$.store.book[?(@.price > 10 && @.price < 15)].title", ["B"]),
        ("$.store.book[?(@.price == 8 || @.title == 'C')].title", ["A", "C"]),
        ("$.store.book[?(@.title != 'A')].title", ["B", "C"]),
        ("$.store.book[?(@.title == B)].price", [12]),
        ("$.store.book[?(@.tags[0] == 'x')].title", ["A"]),
        ("$.store.book[?(@.price >= 12.0)].title", ["B", "C"]),
        ("$.store.book[?(@.isbn == null)].title", []),
        ("$.store.book.length()", [3]),
    ],
)
async def test_jayway_paths_evaluate(path: str, expected: Any) -> None:
    """Names, indices, slices, unions, wildcards, deep scan and filters still evaluate."""
    execution, _ = await run(machine(("P", {"Type": "Pass", "Parameters": {"r.$": path}})), STORE)
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == {"r": expected}


async def _failure(path: str, data: Any) -> str:
    execution, _ = await run(machine(("P", {"Type": "Pass", "InputPath": path})), data)
    assert execution.status == "FAILED"
    assert execution.error == "States.Runtime"
    assert execution.cause is not None
    return execution.cause


@pytest.mark.anyio
async def test_repeated_unions_run_out_of_steps() -> None:
    """Unions of repeated indices (500**4 matches from a tiny input) stop at the step budget."""
    union = "[" + ",".join(["0"] * 500) + "]"
    cause = await _failure("$" + union * 4, [[[[1]]]])
    assert cause.endswith(f" : Evaluating the path took more than {MAX_STEPS} steps")


@pytest.mark.anyio
async def test_filter_scanning_every_element_runs_out_of_steps() -> None:
    """A filter that deep-scans inside every element of a deep scan stops at the budget."""
    data = {"a": [[[[{"x": index}]]] for index in range(5000)]}
    cause = await _failure("$..[?(@..y)]", data)
    assert cause.endswith(f" : Evaluating the path took more than {MAX_STEPS} steps")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=3),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["a", "b", "c"]), children, max_size=3)
    ),
    max_leaves=15,
)
ACCEPTED = [
    "$..a",
    "$[*]",
    "$.a[*]",
    "$[1:]",
    "$[:2]",
    "$[-1:]",
    "$[0,1]",
    "$['a','b']",
    "$..[0]",
    "$..*",
    "$.*.a",
    "$[?(@.a)]",
    "$[?(!@.a)]",
    "$[?(@.a == 1)]",
    "$[?(@.a > 'x')]",
    "$[?(@.a < 2.5)]",
    "$[?(@ > 1)]",
    "$[?(@.a == $.b)]",
    "$[?(@.a >= @.b)]",
    "$[?(@.a == true)]",
    "$[?(@.a != null)]",
    "$[?(@.a == 1 || @.b)]",
    "$[?(@.a == 1 && @.b)]",
    "$..[?(@.a)]",
    "$.a.length()",
    "$[*].length()",
    "$[?(@.a[0] == 1)]",
    "$[?(@..a)]",
    "$[?(@.a[*] == 1)]",
]


@settings(max_examples=500, deadline=None)
@given(data=JSON, path=st.sampled_from(ACCEPTED))
def test_accepted_paths_never_raise_on_json(data: Any, path: str) -> None:
    """On any JSON input an accepted indefinite path yields a list or raises PathNotFound."""
    try:
        found = compile_path(path).get(data)
    except PathNotFound:
        return
    assert isinstance(found, list)


class _Incomparable:
    """A value a task might hand back that refuses to be compared."""

    def __eq__(self, other: object) -> bool:
        raise TypeError("cannot compare")

    __hash__ = None  # type: ignore[assignment]


def test_evaluation_errors_become_path_not_found() -> None:
    """An exception inside jsonpath-ng on odd data surfaces as PathNotFound, not as itself."""
    path = compile_path("$[?(@.a == 1)]")
    with pytest.raises(PathNotFound) as error:
        path.get([{"a": _Incomparable()}])
    assert error.value.message == "The path cannot be evaluated on this input: cannot compare"


def test_running_out_of_stack_becomes_path_not_found() -> None:
    """A RecursionError while evaluating surfaces as PathNotFound."""
    path = compile_path("$" + ".a" * (MAX_PATH_DEPTH - 2) + "[*]")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 20)
    try:
        with pytest.raises(PathNotFound) as error:
            path.get({})
    finally:
        sys.setrecursionlimit(limit)
    assert error.value.message == "Evaluating the path ran out of stack"
