"""Reading one CSV value: dates (and the M/D vs D/M order of a file), ratings, years, list positions, tags, title keys."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime

_DATE_FORMATS = ("%Y/%m/%d", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%Y-%m-%d %H:%M:%S")
_SLASHED = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")  # M/D/YYYY or D/M/YYYY, ASCII digits only
_DECIMAL = re.compile(r"[0-9]+(?:[.,][0-9]+)?")
_STARS = {"★": 1.0, "½": 0.5}


def _is_number(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also accepts ``²`` and ``٣``, which ``int`` refuses or reads."""
    return text.isascii() and text.isdigit()


def parse_date(text: str | None, day_first: bool | None = None) -> date | None:
    """A date from Letterboxd's ISO ``YYYY-MM-DD``, or from forms spreadsheets write when they
    re-save the file: ``YYYY/MM/DD``, ``DD.MM.YYYY``, ``13 Jun 2021``, ``Jun 13, 2021``, ISO with a
    time, and slashed ``M/D/YYYY`` (US, Excel's default) or ``D/M/YYYY``.

    A slashed date is read day first when ``day_first`` is True, month first when it is False; when
    None (the order is not known: see :func:`slashed_order`), day first only if the first number
    is over 12. Digits are ASCII. Empty or unreadable text is None, never an exception.
    """
    if not text:
        return None
    text = text.strip()
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    if not text:
        return None
    if "T" in text[:11] and _is_number(text[:4]):
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            return None
    slashed = _SLASHED.fullmatch(text)
    if slashed:
        a, b, y = int(slashed[1]), int(slashed[2]), int(slashed[3])
        if day_first is None:
            day_first = a > 12
        month, day = (b, a) if day_first else (a, b)
        try:
            return date(y, month, day)
        except ValueError:
            return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def slashed_order(values: Iterable[str]) -> set[bool]:
    """What slashed dates (``a/b/YYYY``) among ``values`` say about their order: ``True`` (day
    first) when one has ``a`` over 12, ``False`` (month first) when one has ``b`` over 12. An empty
    set says nothing (every such date reads either way); both say the values disagree."""
    seen: set[bool] = set()
    for value in values:
        if "/" not in value:
            continue
        slashed = _SLASHED.fullmatch(value.strip())
        if slashed:
            a, b = int(slashed[1]), int(slashed[2])
            if a > 12 >= b:
                seen.add(True)
            elif b > 12 >= a:
                seen.add(False)
    return seen


def parse_rating(text: str | None) -> float | None:
    """A rating in half stars, 0.5..5: ``"4"``, ``"3.5"``, ``"4.0"``, ``"3,5"`` or stars ``"★★★½"``.

    Values round to the nearest half star (document 003: "Rating normalization (half-stars to 0.5
    increments)"). Empty, 0 (Letterboxd's "no rating"), values outside 0.5..5 and anything but
    ASCII digits with one decimal point or comma (``inf``, ``nan``, ``1e999``, ``-1``, ``²``) are None.
    """
    if not text:
        return None
    text = text.strip()
    if not text:
        return None
    if text[0] in _STARS:
        value = sum(_STARS.get(ch, 0.0) for ch in text)
    elif _DECIMAL.fullmatch(text):
        value = float(text.replace(",", "."))
        if not math.isfinite(value):  # "9" * 400 is inf
            return None
    else:
        return None
    value = round(value * 2) / 2
    return value if 0.5 <= value <= 5 else None


def parse_year(text: str | None) -> int | None:
    """A release year 1870..2100 in four ASCII digits, or None (rows without a Year exist in real
    exports)."""
    if not text:
        return None
    text = text.strip()
    if len(text) == 4 and _is_number(text) and 1870 <= int(text) <= 2100:
        return int(text)
    return None


def parse_position(text: str | None) -> int | None:
    """A list entry's ``Position``: at most nine ASCII digits (the column is a PostgreSQL
    ``integer``), or None."""
    text = (text or "").strip()
    return int(text) if 0 < len(text) <= 9 and _is_number(text) else None


def parse_tags(text: str | None) -> list[str]:
    """Letterboxd tags: comma-separated, in order, without duplicates or blanks."""
    if not text:
        return []
    seen: dict[str, None] = {}
    for tag in text.split(","):
        tag = tag.strip()
        if tag and len(tag) <= 200:
            seen.setdefault(tag, None)
    return list(seen)


def title_key(name: str) -> str:
    """The title part of a film's identity: NFC, case-folded, whitespace collapsed; punctuation
    and accents are kept because they tell films apart (``Pietà`` is not ``Pieta``)."""
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def _uri(text: str | None) -> str | None:
    text = (text or "").strip()
    return text if text.startswith(("https://", "http://")) and len(text) <= 500 else None


def _is_yes(text: str | None) -> bool:
    return (text or "").strip().lower() in ("yes", "true", "1", "y")
