"""Checks of single values in a usage upload: each returns the clean value or raises ``Invalid``.

Pure functions, no I/O. The rules come from issue 10 item 4 ("no day above 1,440 minutes, no
future dates, no session over 24 h, no negative counts, ... times need an offset") and from
WELLNESS.md (``first_pickup`` is ``HH:MM``). JSON numbers arrive as ``int`` or ``float``;
``bool`` is an ``int`` subclass in Python and is refused explicitly.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

#: Minutes in a day: no total, app or category may be longer (issue 10 item 4).
MINUTES_PER_DAY = 1440
#: Real UTC offsets run from -12:00 (Baker Island) to +14:00 (Line Islands) (IANA tz database).
MIN_OFFSET = timedelta(hours=-12)
MAX_OFFSET = timedelta(hours=14)
#: Usage dates before this are refused as nonsense (smartphone usage tracking is younger).
EARLIEST_DATE = date(2000, 1, 1)
MAX_TEXT = 255

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


class Invalid(ValueError):
    """A value broke a rule; ``str(exc)`` is the reason shown to the client."""


def _number(value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid("must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise Invalid("must be a finite number")
    return value


def count(value: Any) -> int:
    """A non-negative whole count (unlocks, launches, notifications): ``3`` or ``3.0`` → ``3``."""
    number = _number(value)
    if isinstance(number, float):
        if not number.is_integer():
            raise Invalid(f"must be a whole number, not {number!r}")
        number = int(number)
    if number < 0:
        raise Invalid(f"must not be negative, not {number}")
    if number > 2**31 - 1:
        raise Invalid(f"is too large ({number})")
    return number


def _day_minutes(value: Any) -> Decimal:
    number = _number(value)
    if number < 0:
        raise Invalid(f"must not be negative, not {number}")
    if number > MINUTES_PER_DAY:
        raise Invalid(f"{number} minutes is more than the {MINUTES_PER_DAY} minutes of a day")
    return Decimal(repr(number))


def minutes(value: Any) -> Decimal:
    """Minutes of use within one day: 0..1,440, kept to a tenth of a minute (``numeric(6,1)``).

    Float noise such as StayFree's ``270.33000000000004`` rounds away (half up).
    """
    return _day_minutes(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def whole_minutes(value: Any) -> int:
    """A day's screen time in whole minutes (0..1,440), rounded half up from the value sent
    (once: ``223.46`` → 223, never 223.5 → 224)."""
    return int(_day_minutes(value).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def local_date(value: Any, *, today: date) -> date:
    """A local date ``YYYY-MM-DD``, not after ``today`` (the user's today) nor before 2000."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise Invalid("must be a date written YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{value!r} is not a calendar date") from None
    if day > today:
        raise Invalid(f"{value} is in the future (today is {today.isoformat()} in your time zone)")
    if day < EARLIEST_DATE:
        raise Invalid(f"{value} is before {EARLIEST_DATE.isoformat()}")
    return day


def clock_time(value: Any) -> time:
    """A time of day written ``HH:MM`` (24-hour), such as ``first_pickup``."""
    if not isinstance(value, str):
        raise Invalid("must be a time written HH:MM")
    match = _HHMM.fullmatch(value)
    if match is None:
        raise Invalid(f"{value!r} is not a time written HH:MM (00:00 to 23:59)")
    return time(int(match[1]), int(match[2]))


def instant(value: Any, *, now: datetime, skew: timedelta = timedelta(minutes=5)) -> datetime:
    """An ISO 8601 date-time with a UTC offset (``2024-03-01T23:12:00+01:00`` or ``...Z``).

    Raises ``Invalid`` without an offset, with an offset outside -12:00..+14:00, or later than
    ``now`` plus ``skew`` (a phone's clock may run a little ahead).
    """
    if not isinstance(value, str) or "T" not in value and " " not in value:
        raise Invalid("must be an ISO 8601 date-time with a UTC offset, e.g. 2024-03-01T23:12:00+01:00")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{value!r} is not an ISO 8601 date-time with a valid UTC offset") from None
    offset = moment.utcoffset()
    if offset is None:
        raise Invalid(f"{value!r} has no UTC offset (add one, e.g. +01:00 or Z)")
    if not MIN_OFFSET <= offset <= MAX_OFFSET:
        raise Invalid(f"{value!r} has the UTC offset {offset_text(offset)}, outside -12:00..+14:00")
    if moment > now + skew:
        raise Invalid(f"{value} is in the future")
    return moment


def offset_text(offset: timedelta) -> str:
    """``timedelta(hours=-5, minutes=-30)`` → ``-05:30``."""
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def text(value: Any, *, required: bool, limit: int = MAX_TEXT) -> str | None:
    """A label or identifier: a string of 1..``limit`` characters after trimming spaces."""
    if value is None:
        if required:
            raise Invalid("is required")
        return None
    if not isinstance(value, str):
        raise Invalid("must be a string")
    cleaned = value.strip()
    if not cleaned:
        if required:
            raise Invalid("must not be empty")
        return None
    if len(cleaned) > limit:
        raise Invalid(f"is longer than {limit} characters")
    if any(ord(c) < 32 for c in cleaned):
        raise Invalid("must not contain control characters")
    return cleaned
