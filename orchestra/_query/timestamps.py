"""Timestamps as Java's ``ISO_OFFSET_DATE_TIME`` reads them, parsed into instants."""

from __future__ import annotations

import re
from typing import Final

_TIMESTAMP: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?"
    r"(?:[Zz]|([+-])([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)"
)
_DAYS_IN_MONTH: Final = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MAX_OFFSET_SECONDS: Final = 18 * 3600


def _days_from_civil(year: int, month: int, day: int) -> int:
    # Proleptic Gregorian, year 0 included, as java.time counts; datetime.date stops at year 1.
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def parse_timestamp(text: str) -> int | None:
    """The instant ``text`` names, in nanoseconds since the epoch, or None if it is not one.

    Accepts what Java's ``ISO_OFFSET_DATE_TIME`` accepts with its strict resolver: a 4-digit
    year, ``T`` (any case), seconds and up to nine fraction digits optional, and an offset that
    is ``Z`` (any case) or ``±HH:MM[:SS]`` within ±18:00. Calendar fields must exist
    (no February 30th, no hour 24, no leap second).
    """
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    year_s, month_s, day_s, hour_s, minute_s, second_s, fraction, sign, oh, om, os_ = match.groups()
    year, month, day = int(year_s), int(month_s), int(day_s)
    hour, minute = int(hour_s), int(minute_s)
    second = int(second_s) if second_s else 0
    if not 1 <= month <= 12 or hour > 23 or minute > 59 or second > 59 or day < 1:
        return None
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if day > _DAYS_IN_MONTH[month - 1] + (month == 2 and leap):
        return None
    offset = 0
    if sign is not None:
        offset_hours, offset_minutes = int(oh), int(om)
        offset_seconds = int(os_) if os_ else 0
        if offset_minutes > 59 or offset_seconds > 59:
            return None
        offset = offset_hours * 3600 + offset_minutes * 60 + offset_seconds
        if offset > _MAX_OFFSET_SECONDS:
            return None
        if sign == "-":
            offset = -offset
    seconds = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    nanos = int(fraction.ljust(9, "0")) if fraction else 0
    return (seconds - offset) * 1_000_000_000 + nanos
