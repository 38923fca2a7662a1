"""StringMatches: AWS's ``*`` wildcard with ``\\*`` and ``\\\\`` escapes, in linear time."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestra._query.choice import compile_rule
from orchestra.errors import Diagnostic
from tests.helpers import run


def _tokens(pattern: str) -> list[str | None]:
    """The pattern as characters to match, None standing for an unescaped ``*``."""
    tokens: list[str | None] = []
    position = 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            # A backslash escapes the next character; a trailing one stands for itself.
            tokens.append(pattern[position + 1] if position + 1 < len(pattern) else "\\")
            position += 2
        else:
            tokens.append(None if char == "*" else char)
            position += 1
    return tokens


def reference(pattern: str, value: str) -> bool:
    """Whether ``value`` matches ``pattern``: the textbook dynamic programme over both."""
    tokens = _tokens(pattern)
    # matched[j]: the tokens read so far match value[:j].
    matched = [True] + [False] * len(value)
    for token in tokens:
        if token is None:
            for j in range(1, len(value) + 1):
                matched[j] = matched[j] or matched[j - 1]
        else:
            matched = [False] + [
                matched[j - 1] and value[j - 1] == token for j in range(1, len(value) + 1)
            ]
    return matched[len(value)]


def _matches(pattern: str, value: Any) -> bool:
    diagnostics: list[Diagnostic] = []
    rule = {"Variable": "$.v", "StringMatches": pattern, "Next": "Done"}
    predicate = compile_rule(rule, "/States/C/Choices/0", diagnostics)
    assert predicate is not None, diagnostics
    return predicate({"v": value}, None, None)


@settings(max_examples=2000, deadline=None)
@given(
    pattern=st.text(alphabet="ab*\\", max_size=8),
    value=st.text(alphabet="ab*\\", max_size=10),
)
def test_matches_the_reference(pattern: str, value: str) -> None:
    """On any pattern and value the matcher agrees with the dynamic programme."""
    assert _matches(pattern, value) is reference(pattern, value)


@settings(max_examples=300, deadline=None)
@given(
    pattern=st.lists(st.sampled_from(["*", "ab", "a", "\\*", "\\\\", "b*a"]), max_size=12).map(
        "".join
    ),
    value=st.text(alphabet="ab*\\", max_size=60),
)
def test_matches_the_reference_on_longer_values(pattern: str, value: str) -> None:
    """Longer values with many stars agree with the dynamic programme too."""
    assert _matches(pattern, value) is reference(pattern, value)


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("a*a", "a", False),
        ("a*a", "aa", True),
        ("*", "", True),
        ("**", "x", True),
        ("a**b", "ab", True),
        ("*ab*ab*", "abab", True),
        ("*ab*ab*", "aba", False),
        ("log-\\*.txt", "log-*.txt", True),
        ("log-\\*.txt", "log-1.txt", False),
        ("c:\\\\*", "c:\\dir", True),
        ("trailing\\", "trailing\\", True),
        ("*\n*", "a\nb", True),
    ],
)
def test_wildcards_and_escapes(pattern: str, value: str, expected: bool) -> None:
    """Stars match any run of characters, newlines included; escaped ones match themselves."""
    assert _matches(pattern, value) is expected


@pytest.mark.anyio
@pytest.mark.timeout(30)
async def test_many_stars_on_a_long_string_finish() -> None:
    """Thirty stars against 4 KB without a match (years for a backtracking regex) run at once."""
    pattern = "*a" * 30 + "*b*"
    definition = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.v", "StringMatches": pattern, "Next": "Matched"}],
                "Default": "Missed",
            },
            "Matched": {"Type": "Pass", "Result": "matched", "End": True},
            "Missed": {"Type": "Pass", "Result": "missed", "End": True},
        },
    }
    missed, _ = await run(definition, {"v": "a" * 4096})
    matched, _ = await run(definition, {"v": "a" * 4096 + "b"})
    assert (missed.output, matched.output) == ("missed", "matched")
