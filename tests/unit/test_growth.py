"""The bounds worked out when a definition is compiled are never below what a run builds.

The engine measures a payload only when its bound says it might be over a limit, so a bound
that is too small would let a payload past the limit (or an exponentially large one into
the serialiser). These properties check the bounds against the real sizes.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestra._query.failures import QueryFailure
from orchestra._query.growth import output_bound
from orchestra._query.jsondata import MAX_DEPTH, measure
from orchestra._query.paths import PathNotFound, compile_reference_path, set_at
from orchestra._query.templates import compile_template, template_growth

LIMIT = 10**9
CONTEXT = {
    "Execution": {"Id": "arn:x", "Input": {"big": "x" * 50}, "Name": "n"},
    "State": {"Name": "S", "EnteredTime": "2026-01-01T00:00:00.000Z"},
}
VARIABLES = {"v": {"kept": [1, 2, 3]}}

keys = st.sampled_from(["a", "b", "c"])
scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=15,
)
references = st.sampled_from(
    [
        "$",
        "$.a",
        "$.a.b",
        "$.b[0]",
        "$$.Execution.Id",
        "$$.Execution.Input",
        "$$",
        "$v",
        "$v.kept",
        "States.MathAdd(1, 2)",
        "States.Array($, $.a)",
        "States.JsonToString($)",
        "$..a",
    ]
)
templates = st.recursive(
    st.dictionaries(keys, scalars, max_size=2),
    lambda inner: st.dictionaries(
        st.sampled_from(["a", "b", "c.$", "d.$"]),
        inner | references | st.lists(inner, max_size=2),
        max_size=4,
    ).map(
        lambda node: {k: v for k, v in node.items() if not k.endswith(".$") or isinstance(v, str)}
    ),
    max_leaves=8,
)


def inner_size(value: Any) -> int:
    """The size of the largest value strictly inside ``value``."""
    children: list[Any] = []
    if isinstance(value, dict):
        children = list(value.values())
    elif isinstance(value, list):
        children = list(value)
    return max((measure(child, limit=LIMIT).bytes for child in children), default=0)


def evaluate(template: Any, data: Any) -> Any:
    try:
        return compile_template(template)(data, CONTEXT, VARIABLES, random.Random(0))
    except QueryFailure:
        return None


@settings(max_examples=400, deadline=None)
@given(template=templates, data=values)
def test_a_template_builds_no_more_than_its_bound(template: Any, data: Any) -> None:
    """Size and depth of a template's value stay within its growth applied to the input."""
    built = evaluate(template, data)
    if built is None:
        return
    size = measure(data, limit=LIMIT)
    growth = template_growth(template)
    for inner in (inner_size(data), size.bytes):
        bound_size, bound_depth = growth.apply(size.bytes, size.depth, inner, 1000)
        actual = measure(built, limit=LIMIT)
        assert actual.bytes <= bound_size
        assert actual.depth <= bound_depth or bound_depth >= MAX_DEPTH


@settings(max_examples=400, deadline=None)
@given(
    template=templates,
    data=st.dictionaries(keys, values, max_size=3),
    target=st.sampled_from([None, "$.r", "$.a", "$.a.b", "$.r.s.t"]),
    rounds=st.integers(min_value=1, max_value=4),
)
def test_a_pass_chain_stays_within_its_bound(
    template: Any, data: Any, target: str | None, rounds: int
) -> None:
    """Repeating a Pass (template, then ResultPath) keeps every output within the bound."""
    steps = None if target is None else compile_reference_path(target).steps
    bound = output_bound(template_growth(template), steps)
    exact = measure(data, limit=LIMIT)
    size, depth, inner = exact.bytes, exact.depth, exact.bytes
    for _ in range(rounds):
        result = evaluate(template, data)
        if result is None:
            return
        try:
            data = result if steps is None else set_at(compile_reference_path(target), data, result)  # type: ignore[arg-type]
        except (PathNotFound, LookupError):
            return
        size, depth, inner = bound(size, depth, inner, 1000)
        actual = measure(data, limit=LIMIT)
        assert actual.bytes <= size
        assert actual.depth <= depth or depth >= MAX_DEPTH
        assert inner_size(data) <= inner
