"""The Wait state: Seconds, SecondsPath, Timestamp and TimestampPath, in JSONPath and JSONata.

Expected causes are the ones AWS gives for the same definitions and inputs. The virtual clock
starts at 2024-01-01T00:00:00Z, so ``clock.elapsed`` is how long a state waited.
"""

from __future__ import annotations

from typing import Any

import pytest

from orchestra.testing import VirtualClock
from tests.helpers import machine, run

pytestmark = pytest.mark.anyio

ENTERED_AT_2 = "An error occurred while executing the state 'W' (entered at the event id #2). "


def wait(**fields: Any) -> dict[str, Any]:
    """A machine of one Wait state named W."""
    return machine(("W", {"Type": "Wait", **fields}))


def jsonata_wait(**fields: Any) -> dict[str, Any]:
    """A JSONata machine of one Wait state named W."""
    return {"QueryLanguage": "JSONata", **wait(**fields)}


# --- SecondsPath ----------------------------------------------------------------------------


async def test_seconds_path_waits_the_seconds_read_from_the_input() -> None:
    """SecondsPath reads the delay from the input, and the input passes on unchanged."""
    clock = VirtualClock()
    execution, history = await run(
        wait(SecondsPath="$.input.waitSeconds"), {"input": {"waitSeconds": 90}}, clock=clock
    )
    assert execution.output == {"input": {"waitSeconds": 90}}
    assert clock.elapsed == 90
    assert [e.type for e in history] == [
        "ExecutionStarted",
        "WaitStateEntered",
        "WaitStateExited",
        "ExecutionSucceeded",
    ]


async def test_seconds_path_of_zero_does_not_wait() -> None:
    """A SecondsPath value of 0 goes on at once."""
    clock = VirtualClock()
    execution, _ = await run(wait(SecondsPath="$.s"), {"s": 0}, clock=clock)
    assert execution.status == "SUCCEEDED"
    assert clock.elapsed == 0


@pytest.mark.parametrize(("value", "shown"), [(1.5, "1.5"), (-1.5, "-1.5"), (True, "true")])
async def test_seconds_path_must_reference_a_whole_number(value: Any, shown: str) -> None:
    """A SecondsPath value that is not an integer fails the run with States.Runtime."""
    execution, history = await run(
        wait(SecondsPath="$.input.waitSeconds"), {"input": {"waitSeconds": value}}
    )
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        ENTERED_AT_2 + "The SecondsPath parameter cannot be parsed as a long value: "
        f"$.input.waitSeconds == {shown}",
    )
    assert [e.type for e in history][-1] == "ExecutionFailed"


async def test_seconds_path_must_not_be_negative() -> None:
    """A negative SecondsPath value fails the run, naming the path and the value."""
    execution, _ = await run(
        wait(SecondsPath="$.input.waitSeconds"), {"input": {"waitSeconds": -1}}
    )
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        ENTERED_AT_2
        + "The SecondsPath parameter references a negative value: $.input.waitSeconds == -1",
    )


async def test_seconds_path_must_reference_an_input_value() -> None:
    """A SecondsPath that finds nothing in the input fails the run."""
    execution, _ = await run(wait(SecondsPath="$.input.waitSeconds"), {})
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        ENTERED_AT_2
        + "The SecondsPath parameter does not reference an input value: $.input.waitSeconds",
    )


async def test_a_delay_past_the_32_bit_limit_is_too_long() -> None:
    """2^31 seconds is more than AWS lets a Wait state sleep."""
    clock = VirtualClock()
    execution, _ = await run(wait(SecondsPath="$.s"), {"s": 2**31}, clock=clock)
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        ENTERED_AT_2 + "Wait state delay is too long.",
    )
    assert clock.elapsed == 0


async def test_input_path_applies_before_seconds_path_and_output_path_after() -> None:
    """SecondsPath reads the InputPath's selection; OutputPath shapes what passes on."""
    clock = VirtualClock()
    definition = wait(InputPath="$.timer", SecondsPath="$.s", OutputPath="$.label")
    execution, _ = await run(definition, {"timer": {"s": 5, "label": "five"}}, clock=clock)
    assert execution.output == "five"
    assert clock.elapsed == 5


# --- Timestamp and TimestampPath ------------------------------------------------------------


async def test_timestamp_path_waits_until_that_moment() -> None:
    """A TimestampPath with a fraction and an offset is honoured to the sub-second."""
    clock = VirtualClock()
    execution, _ = await run(
        wait(TimestampPath="$.at"), {"at": "2024-01-01T01:00:30.5+01:00"}, clock=clock
    )
    assert execution.output == {"at": "2024-01-01T01:00:30.5+01:00"}
    assert clock.elapsed == 30.5


@pytest.mark.parametrize(
    "moment",
    [
        "2016-03-14T01:59:00Z",
        "2016-03-05T21:29:29.243167252Z",
        "2023-12-31T23:59:59.00Z",
    ],
)
async def test_a_timestamp_path_in_the_past_does_not_wait(moment: str) -> None:
    """A moment already past, in any form AWS accepts, lets the state go on at once."""
    clock = VirtualClock()
    execution, _ = await run(wait(TimestampPath="$.at"), {"at": moment}, clock=clock)
    assert execution.output == {"at": moment}
    assert clock.elapsed == 0


@pytest.mark.parametrize(
    "moment",
    [
        "2016-13-05T21:29:29Z",
        "05-12-2016T21:29:29Z",
        "2016-12-05T25:29:29Z",
        "2016-12-05 21:29:29Z",
        "2016-12-05T21:29:29",
        "2026-11-23T08:12:46.000000",
        "2024-02-30T00:00:10Z",
    ],
)
async def test_timestamp_path_must_reference_an_offset_date_time(moment: str) -> None:
    """A text that is not an ISO-8601 date-time with an offset fails the run."""
    execution, _ = await run(wait(TimestampPath="$.TimestampValue"), {"TimestampValue": moment})
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        ENTERED_AT_2 + "The TimestampPath parameter does not reference a valid ISO-8601 "
        f"extended offset date-time format string: $.TimestampValue == {moment}",
    )


async def test_timestamp_path_must_reference_text() -> None:
    """A number where the timestamp should be is shown as JSON in the cause."""
    execution, _ = await run(wait(TimestampPath="$.at"), {"at": {"epoch": 5}})
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        ENTERED_AT_2 + "The TimestampPath parameter does not reference a valid ISO-8601 "
        'extended offset date-time format string: $.at == {"epoch":5}',
    )


async def test_timestamp_path_must_reference_an_input_value() -> None:
    """A TimestampPath that finds nothing in the input fails the run."""
    execution, _ = await run(wait(TimestampPath="$.at"), {})
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        ENTERED_AT_2 + "The TimestampPath parameter does not reference an input value: $.at",
    )


async def test_a_timestamp_seventy_years_ahead_is_too_long() -> None:
    """A moment further away than 2^31 - 1 seconds fails the run instead of waiting."""
    execution, _ = await run(wait(TimestampPath="$.start_at"), {"start_at": "2094-12-12T08:12:46Z"})
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        ENTERED_AT_2 + "Wait state delay is too long.",
    )


async def test_a_literal_timestamp_waits_until_that_moment() -> None:
    """Timestamp in the definition waits from the clock's now to that moment."""
    clock = VirtualClock()
    execution, _ = await run(wait(Timestamp="2024-01-01T00:10:00Z"), {"k": 1}, clock=clock)
    assert execution.output == {"k": 1}
    assert clock.elapsed == 600


async def test_a_literal_timestamp_in_the_past_does_not_wait() -> None:
    """A Timestamp already past lets the state go on at once."""
    clock = VirtualClock()
    execution, _ = await run(wait(Timestamp="2016-03-14T01:59:00Z"), {}, clock=clock)
    assert execution.output == {}
    assert clock.elapsed == 0


# --- JSONata ---------------------------------------------------------------------------------


async def test_jsonata_seconds_expression_sets_the_delay() -> None:
    """Seconds may be an expression over $states.input."""
    clock = VirtualClock()
    execution, _ = await run(
        jsonata_wait(Seconds="{% $states.input.waitSeconds * 2 %}"),
        {"waitSeconds": 30},
        clock=clock,
    )
    assert execution.output == {"waitSeconds": 30}
    assert clock.elapsed == 60


@pytest.mark.parametrize(("value", "shown"), [(1.5, "1.5"), ("5", '"5"')])
async def test_jsonata_seconds_must_evaluate_to_an_integer(value: Any, shown: str) -> None:
    """A Seconds expression yielding a non-integer is a States.QueryEvaluationError."""
    execution, history = await run(jsonata_wait(Seconds="{% $states.input.s %}"), {"s": value})
    assert (execution.error, execution.cause) == (
        "States.QueryEvaluationError",
        ENTERED_AT_2 + f"The Seconds field must evaluate to a valid integer, but was: {shown}",
    )
    assert [e.type for e in history][-2:] == ["EvaluationFailed", "ExecutionFailed"]


async def test_jsonata_seconds_past_the_32_bit_limit_is_too_long() -> None:
    """The delay limit holds for an evaluated Seconds too."""
    execution, _ = await run(jsonata_wait(Seconds="{% $states.input.s %}"), {"s": 2**31})
    assert (execution.error, execution.cause) == (
        "States.Runtime",
        ENTERED_AT_2 + "Wait state delay is too long.",
    )


async def test_jsonata_timestamp_expression_waits_until_that_moment() -> None:
    """Timestamp may be an expression; the state's output defaults to its input."""
    clock = VirtualClock()
    execution, _ = await run(
        jsonata_wait(Timestamp="{% $states.input.TimestampValue %}"),
        {"TimestampValue": "2024-01-01T00:00:42Z"},
        clock=clock,
    )
    assert execution.output == {"TimestampValue": "2024-01-01T00:00:42Z"}
    assert clock.elapsed == 42


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2016-13-05T21:29:29Z", "2016-13-05T21:29:29Z"),
        ("2016-12-05 21:29:29Z", "2016-12-05 21:29:29Z"),
        ("2016-12-05T21:29:29", "2016-12-05T21:29:29"),
        (7, "7"),
    ],
)
async def test_jsonata_timestamp_must_be_an_offset_date_time(value: Any, shown: str) -> None:
    """An evaluated Timestamp that does not parse is a States.QueryEvaluationError."""
    execution, history = await run(
        jsonata_wait(Timestamp="{% $states.input.TimestampValue %}"), {"TimestampValue": value}
    )
    assert (execution.error, execution.cause) == (
        "States.QueryEvaluationError",
        ENTERED_AT_2 + "The Timestamp field cannot be parsed as an ISO-8601 extended offset "
        f"date-time format string: {shown}",
    )
    assert [e.type for e in history][-2:] == ["EvaluationFailed", "ExecutionFailed"]


async def test_jsonata_literal_timestamp_waits_until_that_moment() -> None:
    """A JSONata Wait may give Timestamp as plain text."""
    clock = VirtualClock()
    execution, _ = await run(jsonata_wait(Timestamp="2024-01-01T00:01:00Z"), {}, clock=clock)
    assert execution.status == "SUCCEEDED"
    assert clock.elapsed == 60


async def test_jsonata_wait_output_shapes_what_passes_on() -> None:
    """Output is evaluated once the wait is over."""
    clock = VirtualClock()
    definition = jsonata_wait(Seconds=5, Output="{% $states.input.n + 1 %}")
    execution, _ = await run(definition, {"n": 2}, clock=clock)
    assert execution.output == 3
    assert clock.elapsed == 5
