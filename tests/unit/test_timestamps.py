"""Timestamps: RFC 3339 where a definition is checked, Java's offset date-time at run time.

The virtual clock starts at 2024-01-01T00:00:00Z, so ``clock.elapsed`` is how long a Wait
waited.
"""

from __future__ import annotations

from typing import Any

import pytest

from orchestra import DefinitionError, StateMachine
from orchestra.testing import VirtualClock
from tests.helpers import machine, run

pytestmark = pytest.mark.anyio

# Forms Java's ISO_OFFSET_DATE_TIME reads that RFC 3339 (as a definition is checked) refuses.
RUN_TIME_ONLY = [
    "2024-01-01t00:00:30z",
    "2024-01-01T00:01Z",
    "2024-01-01T00:00:30+00:00:00",
]
# Forms neither grammar reads.
NEITHER = [
    "2024-01-01T00:00:30",
    "2024-01-01 00:00:30Z",
    "2024-02-30T00:00:30Z",
    "2024-01-01T24:00:00Z",
    "2024-01-01T00:00:30+01:60",
]


def wait(**fields: Any) -> dict[str, Any]:
    """A machine of one Wait state named W."""
    return machine(("W", {"Type": "Wait", **fields}))


def is_timestamp() -> dict[str, Any]:
    """A machine whose output tells whether a Choice rule's IsTimestamp holds for ``$.t``."""
    return machine(
        (
            "C",
            {
                "Type": "Choice",
                "Choices": [{"Variable": "$.t", "IsTimestamp": True, "Next": "Yes"}],
                "Default": "No",
            },
        ),
        ("Yes", {"Type": "Pass", "Result": True, "End": True}),
        ("No", {"Type": "Pass", "Result": False, "End": True}),
    )


@pytest.mark.parametrize(
    "text",
    [
        *RUN_TIME_ONLY,
        "0000-01-01T00:00:00Z",
        "2024-01-01T00:00:61Z",
        "2024-01-01T00:00:00+24:00",
    ],
)
def test_a_literal_wait_timestamp_is_checked_as_rfc3339(text: str) -> None:
    """A Wait's literal Timestamp needs upper-case T and Z, seconds, an offset below 24 hours
    and a year from 0001."""
    with pytest.raises(DefinitionError) as caught:
        StateMachine.from_definition(wait(Timestamp=text, End=True))
    assert [(d.pointer, d.message) for d in caught.value.diagnostics] == [
        ("/States/W/Timestamp", "String does not match RFC3339 timestamp")
    ]


async def test_a_literal_leap_second_waits_until_the_next_minute() -> None:
    """RFC 3339 allows second 60; the Wait reads it as the first instant of the next minute."""
    clock = VirtualClock()
    execution, _ = await run(wait(Timestamp="2024-01-01T00:00:60Z"), {}, clock=clock)
    assert execution.status == "SUCCEEDED"
    assert clock.elapsed == 60


@pytest.mark.parametrize("text", RUN_TIME_ONLY)
async def test_wait_and_choice_read_the_same_timestamps_at_run_time(text: str) -> None:
    """A text that IsTimestamp accepts is one TimestampPath waits for."""
    clock = VirtualClock()
    waited, _ = await run(wait(TimestampPath="$.t"), {"t": text}, clock=clock)
    chosen, _ = await run(is_timestamp(), {"t": text})
    assert (waited.status, chosen.output) == ("SUCCEEDED", True)
    assert clock.elapsed in (30, 60)


@pytest.mark.parametrize("text", NEITHER)
async def test_wait_and_choice_refuse_the_same_texts_at_run_time(text: str) -> None:
    """A text that IsTimestamp refuses fails a TimestampPath."""
    waited, _ = await run(wait(TimestampPath="$.t"), {"t": text})
    chosen, _ = await run(is_timestamp(), {"t": text})
    assert (waited.error, chosen.output) == ("States.Runtime", False)
