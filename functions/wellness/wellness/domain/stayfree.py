"""StayFree's exported tables → days in the bulk-upload shape (issue 10 item 4).

StayFree (an Android screen-time app) exports one table per measure, one row per day and one
column per app. What the real files look like (../shared/data/usage/stayfree_personal, README):
- ``;``-separated, UTF-8 (app names such as ``Cívica``), first column ``date`` (YYYY-MM-DD);
- ``app_usage_time``: minutes per app per day; ``app_usage_count``: launches per app per day;
  ``device_unlocks``: ``date;Device Unlocks``;
- ``total_usage`` sits in the middle of the header, among the apps: it is the day's total (the
  sum of the app columns), not an app;
- one app appears under two names (its package ``com.activision.callofduty.shooter`` and its
  label ``Call of Duty``): both columns are the same app, added together;
- floats carry noise (``270.33000000000004``): minutes round to a tenth, totals to whole minutes;
- on some days every cell holds an average instead of a measure (launches ``0.204...``, unlocks
  ``151.65...``): a count that is not a whole number is refused, cell by cell, with its path.

A cell of 0 means "not used that day", so it makes no app row; an empty cell means "not
measured". Apps keep their StayFree label as ``app_key`` (the export has no package names).
The days produced go through the same validation as any upload (``domain.ingest``).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from typing import Any

#: Column names that are the same app as another column (the README's "one app under two names").
APP_ALIASES = {"com.activision.callofduty.shooter": "Call of Duty"}
TOTAL_COLUMN = "total_usage"
UNLOCKS_COLUMN = "Device Unlocks"
#: The tables a client may send, by the multipart field that carries each.
KINDS = ("app_usage_time", "app_usage_count", "device_unlocks")
MAX_ROWS = 5000
_DAY_PATH = re.compile(r"days\[(?P<day>\d+)\]")
_APP_PATH = re.compile(r"\.apps\[(?P<app>\d+)\]")


class StayFreeFormatError(ValueError):
    """A file is not a StayFree table at all (``field`` names the multipart field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(slots=True)
class StayFreeImport:
    """Days in the bulk-upload shape, and the cells refused while reading the tables."""

    days: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class _Table:
    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line number, cells)


def _read(kind: str, filename: str, data: bytes) -> _Table:
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StayFreeFormatError(kind, f"{filename} is not UTF-8 text") from None
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=";")
    try:
        header = next(reader)
    except StopIteration:
        raise StayFreeFormatError(kind, f"{filename} is empty") from None
    except csv.Error as exc:
        raise StayFreeFormatError(kind, f"{filename} is not a ;-separated table ({exc})") from None
    header = [h.strip() for h in header]
    if not header or header[0].lower() != "date" or len(header) < 2:
        raise StayFreeFormatError(kind, f"{filename} does not start with a 'date;...' header line")
    if kind == "device_unlocks" and UNLOCKS_COLUMN not in header:
        raise StayFreeFormatError(kind, f"{filename} has no '{UNLOCKS_COLUMN}' column")
    if kind != "device_unlocks" and UNLOCKS_COLUMN in header:
        raise StayFreeFormatError(kind, f"{filename} is the unlocks table; send it as device_unlocks")
    rows = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise StayFreeFormatError(kind, f"{filename} has more than {MAX_ROWS} days")
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise StayFreeFormatError(kind, f"{filename} line {reader.line_num}: {exc}") from None
    return _Table(filename, header, rows)


def _number(cell: str) -> float | None:
    text = cell.strip()
    if not text:
        return None
    value = float(text)  # ValueError for words
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def parse_stayfree(files: dict[str, tuple[str, bytes]]) -> StayFreeImport:
    """Read StayFree tables, ``{kind: (filename, bytes)}`` with kinds from ``KINDS``.

    Returns the days (``{"date", "screen_time_minutes"?, "unlocks"?, "apps": [{"app", "name",
    "minutes"?, "launches"?}]}``, sorted by date) and refused cells as ``(path, reason)`` with
    paths ``<file>:<line>:<column>``. Values are passed on as read (floats); the upload
    validation rounds minutes and refuses what breaks its rules. Raises ``StayFreeFormatError``
    when a file is not such a table.
    """
    result = StayFreeImport()
    days: dict[str, dict[str, Any]] = {}
    apps: dict[str, dict[str, dict[str, Any]]] = {}
    for kind in KINDS:
        if kind not in files:
            continue
        table = _read(kind, *files[kind])
        for line, cells in table.rows:
            raw_date = cells[0].strip()
            day = days.setdefault(raw_date, {"date": raw_date})
            day_apps = apps.setdefault(raw_date, {})
            for column, cell in zip(table.header[1:], cells[1:], strict=False):
                path = f"{table.name}:{line}:{column}"
                try:
                    value = _number(cell)
                except ValueError:
                    result.rejected.append((path, f"{cell.strip()!r} is not a number"))
                    continue
                if value is None:
                    continue
                if kind == "device_unlocks":
                    if column == UNLOCKS_COLUMN:
                        _put_count(result, day, "unlocks", value, path)
                    continue
                if column == TOTAL_COLUMN:
                    if kind == "app_usage_time":
                        day["screen_time_minutes"] = value
                    continue
                if value == 0:
                    continue
                _add_app(result, day_apps, column, kind, value, path)
    for raw_date in sorted(days):
        day = days[raw_date]
        day_apps = [a for a in apps[raw_date].values() if len(a) > 2]
        if day_apps:
            day["apps"] = sorted(day_apps, key=lambda a: a["app"])
        result.days.append(day)
    return result


def _put_count(result: StayFreeImport, target: dict[str, Any], name: str, value: float, path: str) -> bool:
    if not value.is_integer():
        result.rejected.append((path, f"{value!r} is not a whole number (StayFree wrote an average here, "
                                      "not a count)"))
        return False
    target[name] = target.get(name, 0) + int(value)
    return True


def _add_app(result: StayFreeImport, day_apps: dict[str, dict[str, Any]], column: str, kind: str,
             value: float, path: str) -> None:
    label = APP_ALIASES.get(column, column)
    app = day_apps.setdefault(label, {"app": label, "name": label})
    if kind == "app_usage_time":
        # the two names of one app are one app: their minutes add up (as they do in total_usage)
        app["minutes"] = app.get("minutes", 0.0) + value
    else:
        _put_count(result, app, "launches", value, path)


def describe_path(days: list[dict[str, Any]], path: str) -> str:
    """A validation path of the produced days in the tables' words.

    ``days[3].apps[1].minutes`` → ``2022-10-22.apps[Instagram].minutes``.
    """
    match = _DAY_PATH.match(path)
    if match is None:
        return path
    day = days[int(match["day"])]
    described = str(day.get("date"))
    rest = path[match.end():]
    app = _APP_PATH.match(rest)
    if app is not None:
        described += f".apps[{day['apps'][int(app['app'])]['app']}]"
        rest = rest[app.end():]
    return described + rest
