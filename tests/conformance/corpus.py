"""Reading the conformance corpus (cases recorded against real AWS) and comparing results."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"
ABSENT_REASON = f"conformance corpus not found at {CORPUS} (it lives in ../shared/conformance)"


@dataclass(frozen=True)
class Case:
    """One recorded case."""

    id: str
    category: str
    api: str
    data: dict[str, Any]

    @property
    def definition(self) -> Any:
        return self.data.get("definition")


def load_cases() -> list[Case]:
    """Every case of the corpus (empty when the corpus is absent)."""
    index_file = CORPUS / "index.json"
    if not index_file.exists():
        return []
    cases = []
    for row in json.loads(index_file.read_text()):
        data = json.loads((CORPUS / row["file"]).read_text())
        cases.append(Case(row["id"], row["category"], row.get("api") or "StartExecution", data))
    return cases


def case_params(cases: list[Case], group: Callable[[Case], str]) -> list[Any]:
    """One pytest param per case, known failures as strict xfails; a skip when absent."""
    from .known_failures import KNOWN_FAILURES

    if not cases:
        return [
            pytest.param(None, marks=pytest.mark.skip(reason=ABSENT_REASON), id="corpus-absent")
        ]
    params = []
    for case in cases:
        marks = []
        if case.id in KNOWN_FAILURES:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[case.id]))
        params.append(pytest.param(case, marks=marks, id=f"{group(case)}/{case.id}"))
    return params


def later_issue(case: Case) -> str | None:
    """Why a case belongs to a later piece of work, or None when the core engine covers it."""
    if case.api == "TestState":
        return "needs the TestState API (later issue)"
    if case.api == "ValidateStateMachineDefinition":
        return "needs the ValidateStateMachineDefinition API (later issue)"
    return None


def _walk_paths(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk_paths(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk_paths(value, f"{path}[{index}]")


def differences(expected: Any, actual: Any, path: str, case: Case) -> list[str]:
    """Where ``actual`` differs from ``expected``, honouring the case's unstable paths."""
    unstable = set(case.data.get("unstable_paths") or ())
    patterns = case.data.get("unstable_patterns") or {}
    found: list[str] = []

    def compare(exp: Any, act: Any, where: str) -> None:
        if where in unstable:
            pattern = patterns.get(where)
            if pattern is not None and not (
                isinstance(act, str) and re.fullmatch(pattern, act, re.DOTALL)
            ):
                found.append(f"{where}: {act!r} does not match /{pattern}/")
            return
        if isinstance(exp, dict):
            if not isinstance(act, dict):
                found.append(f"{where}: expected an object, got {act!r}")
                return
            if set(exp) != set(act):
                found.append(f"{where}: keys {sorted(act)} != expected {sorted(exp)}")
                return
            for key in exp:
                compare(exp[key], act[key], f"{where}.{key}")
            return
        if isinstance(exp, list):
            if not isinstance(act, list) or len(act) != len(exp):
                found.append(f"{where}: expected {exp!r}, got {act!r}")
                return
            for index, (e, a) in enumerate(zip(exp, act, strict=True)):
                compare(e, a, f"{where}[{index}]")
            return
        same = (
            exp == act
            and isinstance(exp, bool) == isinstance(act, bool)
            and (exp is None) == (act is None)
        )
        if not same:
            found.append(f"{where}: expected {exp!r}, got {act!r}")

    compare(expected, actual, path)
    return found
