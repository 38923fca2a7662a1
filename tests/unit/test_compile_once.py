"""Each text of a definition is compiled once: validation's results are the compiler's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from orchestra import DefinitionError, StateMachine
from orchestra._query import choice, intrinsics, jsonata, paths
from orchestra._query.intrinsics import compile_intrinsic
from orchestra._query.paths import compile_path


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Counts how often each path text is compiled, from empty memos."""
    counts: Counter[str] = Counter()

    class CountedPath(paths.Path):
        __slots__ = ()

        def __init__(self, text: str) -> None:
            counts[text] += 1
            super().__init__(text)

    monkeypatch.setattr(paths, "Path", CountedPath)
    for memo in (paths._memo_path, intrinsics._memo_intrinsic, jsonata._memo_expression):
        memo.cache_clear()
    yield counts
    for memo in (paths._memo_path, intrinsics._memo_intrinsic, jsonata._memo_expression):
        memo.cache_clear()


def chain() -> dict[str, Any]:
    """A Pass and a Choice that use the same texts in several fields."""
    return {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Pass",
                "InputPath": "$.order",
                "Parameters": {"id.$": "$.order", "n.$": "States.MathAdd($.count, 1)"},
                "ResultPath": "$.result",
                "OutputPath": "$.result",
                "Next": "C",
            },
            "C": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.result", "IsPresent": True, "Next": "Done"},
                    {
                        "And": [
                            {"Variable": "$.count", "NumericGreaterThan": 1},
                            {"Variable": "$.count", "NumericLessThanPath": "$.result"},
                        ],
                        "Next": "Done",
                    },
                ],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }


def test_every_path_text_is_compiled_once(compiled: Counter[str]) -> None:
    """Validation and compilation share each path, however many fields hold its text."""
    StateMachine.from_definition(chain())
    assert compiled == {"$.order": 1, "$.count": 1, "$.result": 1}


def test_a_second_machine_reuses_the_compiled_texts(compiled: Counter[str]) -> None:
    """A machine with the same texts compiles none of them again."""
    StateMachine.from_definition(chain())
    StateMachine.from_definition(chain())
    assert set(compiled.values()) == {1}


def test_every_choice_rule_is_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled Choice state holds the predicates validation compiled."""
    comparisons: list[str] = []
    compile_comparison = choice._compile_comparison

    def counted(rule: Any, *args: Any) -> Any:
        comparisons.append(rule["Variable"])
        return compile_comparison(rule, *args)

    monkeypatch.setattr(choice, "_compile_comparison", counted)
    StateMachine.from_definition(chain())
    assert comparisons == ["$.result", "$.count", "$.count"]


def test_an_invalid_text_is_refused_each_time() -> None:
    """Failures are not remembered: the same definition gets the same diagnostics again."""
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "x", "End": True}}}
    refusals = []
    for _ in range(2):
        with pytest.raises(DefinitionError) as caught:
            StateMachine.from_definition(definition)
        refusals.append(caught.value.diagnostics)
    assert refusals[0] == refusals[1]
    assert len(refusals[0]) == 1


def test_shared_results_are_immutable() -> None:
    """A compiled path or intrinsic call cannot be changed by one of the machines sharing it."""
    with pytest.raises(AttributeError, match="immutable"):
        compile_path("$.a").text = "$.b"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        compile_intrinsic("States.UUID()").name = "States.Format"  # type: ignore[misc]
