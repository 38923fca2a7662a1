"""The Wait state: Seconds, SecondsPath, Timestamp or TimestampPath, on the engine's clock."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from .. import errors
from .._query.failures import QueryFailure, quoted
from .._query.jsonata import is_expression
from .._query.timestamps import parse_timestamp
from .base import State
from .dataflow import compile_number_field, compile_path_value
from .jsonata_flow import compile_value
from .run import Outcome, Visit

# AWS refuses a delay that does not fit a signed 32-bit number of seconds.
MAX_DELAY_SECONDS: Final = 2**31 - 1
# SecondsPath is read as a Java long: a larger integer does not parse at all.
_LONG_MIN: Final = -(2**63)
_LONG_MAX: Final = 2**63 - 1
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)


class WaitState(State):
    """``Type: Wait``."""

    __slots__ = ("_delay",)

    def __init__(self, name: str, definition: Mapping[str, Any]) -> None:
        super().__init__(name, definition)
        self._delay = self._compile_delay(definition)

    @staticmethod
    def _compile_delay(definition: Mapping[str, Any]) -> Callable[[Any, Visit], float]:
        seconds = compile_number_field(
            definition,
            "Seconds",
            float,
            _seconds_at_path,
            missing="The SecondsPath parameter does not reference an input value: {text}",
        )
        if seconds is not None:
            return seconds
        timestamp = definition.get("Timestamp")
        if is_expression(timestamp):
            return _timestamp_from_expression(timestamp)
        if timestamp is not None:
            instant = parse_timestamp(timestamp, rfc3339=True)
            assert instant is not None, "validated at definition time"
            return lambda data, visit: _seconds_until(instant, visit)
        return _timestamp_from_path(definition["TimestampPath"])

    async def run(self, data: Any, visit: Visit) -> Outcome:
        """Wait, then pass the (filtered) input on."""
        if self.jsonata:
            await self._wait(data, visit)
            return self.finish(visit), self.next
        effective = data if self.input_path is None else self.input_path(data, visit)
        await self._wait(effective, visit)
        self.assign_from(effective, visit)
        output = effective if self.output_path is None else self.output_path(effective, visit)
        return output, self.next

    async def _wait(self, data: Any, visit: Visit) -> None:
        delay = self._delay(data, visit)
        if delay > MAX_DELAY_SECONDS:
            raise visit.fail(QueryFailure(errors.RUNTIME, "Wait state delay is too long."))
        if delay > 0:
            await visit.run.clock.sleep(delay)


def _seconds_at_path(value: Any, text: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not _LONG_MIN <= value <= _LONG_MAX:
        raise QueryFailure(
            errors.RUNTIME,
            f"The SecondsPath parameter cannot be parsed as a long value: {text} == {quoted(value)}",
        )
    if value < 0:
        raise QueryFailure(
            errors.RUNTIME,
            f"The SecondsPath parameter references a negative value: {text} == {value}",
        )
    return value


def _timestamp_from_path(text: str) -> Callable[[Any, Visit], float]:
    def instant(value: Any) -> int:
        found = parse_timestamp(value) if isinstance(value, str) else None
        if found is None:
            raise QueryFailure(
                errors.RUNTIME,
                "The TimestampPath parameter does not reference a valid ISO-8601 extended "
                f"offset date-time format string: {text} == {quoted(value)}",
            )
        return found

    read = compile_path_value(
        text,
        instant,
        missing="The TimestampPath parameter does not reference an input value: {text}",
    )
    return lambda data, visit: _seconds_until(read(data, visit), visit)


def _timestamp_from_expression(value: Any) -> Callable[[Any, Visit], float]:
    evaluate = compile_value(value, "Timestamp")

    def delay(data: Any, visit: Visit) -> float:
        text = evaluate(visit)
        instant = parse_timestamp(text) if isinstance(text, str) else None
        if instant is None:
            raise visit.fail(
                QueryFailure(
                    errors.QUERY_EVALUATION_ERROR,
                    "The Timestamp field cannot be parsed as an ISO-8601 extended offset "
                    f"date-time format string: {quoted(text)}",
                )
            )
        return _seconds_until(instant, visit)

    return delay


def _seconds_until(instant: int, visit: Visit) -> float:
    """Seconds from the clock's now to ``instant`` (in nanoseconds), to the clock's microsecond."""
    now = (visit.run.clock.now() - _EPOCH) // _MICROSECOND
    return (instant // 1000 - now) / 1_000_000
