"""Pass rates per category, printed at the end of a run that includes conformance cases."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

RESULTS: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
HISTORY: dict[str, int] = defaultdict(int)


def record(category: str, outcome: str) -> None:
    """Count one case's outcome under its category."""
    RESULTS[category][outcome] += 1


def record_history(matches: bool) -> None:
    """Count whether a passing case's history event types equal AWS's."""
    HISTORY["compared"] += 1
    HISTORY["equal"] += int(matches)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RESULTS:
        return
    write = terminalreporter.write_line
    write("")
    write("conformance: pass rate per category (cases in scope of the engine so far)")
    total_pass = total = 0
    for category in sorted(RESULTS):
        counts = RESULTS[category]
        in_scope = counts["passed"] + counts["failed"] + counts["known"]
        later = counts["later"]
        total_pass += counts["passed"]
        total += in_scope
        rate = f"{100 * counts['passed'] / in_scope:5.1f} %" if in_scope else "    -  "
        write(
            f"  {category:28} {rate}  {counts['passed']:4}/{in_scope:<4} "
            f"known failures {counts['known']:3}  later issues {later:4}"
        )
    if total:
        write(f"  {'all in scope':28} {100 * total_pass / total:5.1f} %  {total_pass}/{total}")
    if HISTORY["compared"]:
        share = 100 * HISTORY["equal"] / HISTORY["compared"]
        write(
            f"  history event sequence equal to AWS's: {share:.1f} % "
            f"({HISTORY['equal']}/{HISTORY['compared']} passing execution cases with a history)"
        )


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
