"""Timestamps as AWS reads them, parsed into instants: nanoseconds since the epoch.

AWS reads a timestamp in one of two grammars.

At run time (Choice comparisons and ``IsTimestamp``, a Wait's ``TimestampPath`` or JSONata
``Timestamp``) it parses Java's ``ISO_OFFSET_DATE_TIME``, the "ISO-8601 extended offset
date-time format" its Wait errors name: ``T`` and ``Z`` in either case, seconds and up to nine
fraction digits optional, an offset ``±HH:MM[:SS]`` within ±18:00, any year from 0000.

Checking a Wait's literal ``Timestamp`` in a definition, it reads RFC 3339 instead ("String does
not match RFC3339 timestamp"): upper-case ``T`` and ``Z``, seconds required, any number of
fraction digits (the instant keeps nine), an offset ``±HH:MM`` up to ±23:59, a leap second
(``:60``, the instant of the next minute), years from 0001.

Both refuse calendar fields that do not exist: February 30th, hour 24, minute 60.
"""

from __future__ import annotations

import re
from typing import Final

_TIMESTAMP: Final = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})(?P<t>[Tt])"
    r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]+))?)?"
    r"(?:(?P<z>[Zz])|(?P<sign>[+-])(?P<oh>[0-9]{2}):(?P<om>[0-9]{2})(?::(?P<os>[0-9]{2}))?)"
)
_DAYS_IN_MONTH: Final = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MAX_OFFSET_SECONDS: Final = 18 * 3600
_MAX_FRACTION_DIGITS: Final = 9


def _days_from_civil(year: int, month: int, day: int) -> int:
    # Proleptic Gregorian, year 0 included, as java.time counts; datetime.date stops at year 1.
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def parse_timestamp(text: str, *, rfc3339: bool = False) -> int | None:
    """The instant ``text`` names, in nanoseconds since the epoch, or None if it names none.

    Args:
        text: the timestamp.
        rfc3339: read it as a definition's literal ``Timestamp`` is checked (RFC 3339), not
            as a value is read at run time (Java's ``ISO_OFFSET_DATE_TIME``); see above.
    """
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, offset_hours, offset_minutes, offset_seconds = (
        int(match.group(name) or 0)
        for name in ("year", "month", "day", "hour", "minute", "second", "oh", "om", "os")
    )
    fraction = match.group("fraction") or ""
    if rfc3339:
        shaped = match.group("t") == "T" and match.group("z") != "z"
        if not shaped or match.group("second") is None or match.group("os") is not None:
            return None
        if year == 0 or second > 60 or offset_hours > 23:
            return None
    elif second > 59 or len(fraction) > _MAX_FRACTION_DIGITS:
        return None
    if not 1 <= month <= 12 or day < 1 or hour > 23 or minute > 59:
        return None
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if day > _DAYS_IN_MONTH[month - 1] + (month == 2 and leap):
        return None
    if offset_minutes > 59 or offset_seconds > 59:
        return None
    offset = offset_hours * 3600 + offset_minutes * 60 + offset_seconds
    if not rfc3339 and offset > _MAX_OFFSET_SECONDS:
        return None
    if match.group("sign") == "-":
        offset = -offset
    seconds = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    nanos = int(fraction[:_MAX_FRACTION_DIGITS].ljust(_MAX_FRACTION_DIGITS, "0"))
    return (seconds - offset) * 1_000_000_000 + nanos
