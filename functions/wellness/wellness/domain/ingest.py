"""Validation of one bulk usage upload, record by record (issue 10 item 4).

``validate_upload(payload, today=..., now=...)`` takes the JSON body of
``POST /wellness/api/usage/data/bulk_upload/`` (the issue's shape: ``device_id``, ``days`` with
totals, ``apps`` and ``categories``, ``sessions``, ``unlock_events``; every part and every field
but a day's ``date`` optional) and returns an ``Upload``: the rows to store and
``rejected: [Rejection(path, reason)]`` with paths such as ``days[3].apps[1].minutes``.

What a bad value drops (the smallest record holding it; everything else of the upload stays):
- a day's ``date`` (missing, malformed, in the future, repeated) → the whole day;
- a day's total (``screen_time_minutes``, ``unlocks``, ``notifications``, ``first_pickup``) → that
  total only (stored as NULL: "not sent");
- a field of one app or category → that app or category entry; apps of one day adding up to
  more than 1,440 minutes → all that day's apps;
- a session (no offset, reversed, empty, over 24 h, in the future) → that session;
- an unlock event → that event.
The whole request is refused (``UploadShapeError``, a 400 naming the field) only when it cannot be
read record by record: not an object, no valid ``device_id``, a part that is not a list, or more
records than the limits below.

Overlapping sessions of one app on one device are merged (``domain.sessions``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

from wellness.domain import ingest_values as values
from wellness.domain.ingest_values import Invalid
from wellness.domain.sessions import Session, merge_sessions

#: Limits of one upload (a year of days with a phone's worth of apps fits comfortably).
MAX_DAYS = 1000
MAX_APPS_PER_DAY = 500
MAX_CATEGORIES_PER_DAY = 100
MAX_SESSIONS = 20_000
MAX_UNLOCK_EVENTS = 50_000
MAX_CATEGORY = 100

_DAY_TOTALS: dict[str, Callable[[Any], Any]] = {
    "screen_time_minutes": values.whole_minutes,
    "unlocks": values.count,
    "notifications": values.count,
    "first_pickup": values.clock_time,
}


@dataclass(frozen=True, slots=True)
class Rejection:
    """One refused record: ``path`` into the request (``days[3].apps[1].minutes``) and why."""

    path: str
    reason: str


@dataclass(slots=True)
class DayRow:
    """A device's local day and the totals the client sent (None = not sent)."""

    usage_date: date
    screen_time_minutes: int | None = None
    unlocks: int | None = None
    notifications: int | None = None
    first_pickup: time | None = None


@dataclass(slots=True)
class AppRow:
    """One app's use on one local day; ``app_key`` is the client's identifier as given."""

    usage_date: date
    app_key: str
    app_name: str | None
    category: str | None
    minutes: Decimal | None
    launches: int | None
    notifications: int | None


@dataclass(slots=True)
class CategoryRow:
    """Minutes in one category (Social, Entertainment...) on one local day."""

    usage_date: date
    category: str
    minutes: Decimal


@dataclass(slots=True)
class UnlockRow:
    """One unlock instant with the UTC offset the client sent (seconds east of UTC)."""

    occurred_at: datetime
    utc_offset_seconds: int


@dataclass(slots=True)
class Upload:
    """What ``validate_upload`` accepted, and what it rejected."""

    device_id: UUID
    days: list[DayRow] = field(default_factory=list)
    apps: list[AppRow] = field(default_factory=list)
    categories: list[CategoryRow] = field(default_factory=list)
    #: the accepted session records with their request paths (as sent; ``merged_sessions`` merges them)
    sessions: list[tuple[str, Session]] = field(default_factory=list)
    merged_sessions: list[Session] = field(default_factory=list)
    unlock_events: list[UnlockRow] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    def affected_dates(self) -> list[date]:
        """Local dates whose analytics change: the days, and the local dates of sessions and unlocks."""
        dates = {d.usage_date for d in self.days}
        dates.update(s.local_start().date() for _, s in self.sessions)
        dates.update(_local(u.occurred_at, u.utc_offset_seconds).date() for u in self.unlock_events)
        return sorted(dates)

    def accepted(self) -> dict[str, int]:
        """``{"days", "apps", "sessions", "unlock_events"}``: how many records of each kind were
        accepted (the issue's response); merged sessions count as the records sent."""
        return {"days": len(self.days), "apps": len(self.apps), "sessions": len(self.sessions),
                "unlock_events": len(self.unlock_events)}


    def merge_with(self, stored: list[Session]) -> list[Session]:
        """Merge the accepted sessions into ``stored`` ones (``domain.sessions.merge_sessions``):
        sets ``merged_sessions``, moves refused sessions to ``rejected`` and returns the merge."""
        merged, refused = merge_sessions(stored, self.sessions)
        gone = {path for path, _ in refused}
        self.sessions = [(path, s) for path, s in self.sessions if path not in gone]
        self.rejected.extend(Rejection(path, reason) for path, reason in refused)
        self.merged_sessions = merged
        return merged


class UploadShapeError(ValueError):
    """The body cannot be read record by record; ``errors`` is DRF's ``{"field": ["message"]}``."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def _local(moment: datetime, offset_seconds: int) -> datetime:
    return moment.astimezone(timezone(timedelta(seconds=offset_seconds)))


def _part(payload: dict[str, Any], name: str, limit: int, errors: dict[str, list[str]]) -> list[Any]:
    part = payload.get(name)
    if part is None:
        return []
    if not isinstance(part, list):
        errors[name] = ["must be a list"]
        return []
    if len(part) > limit:
        errors[name] = [f"at most {limit} per upload (got {len(part)}); split the upload"]
        return []
    return part


def device_id_of(payload: Any) -> UUID:
    """The upload's ``device_id`` (a UUID), or ``UploadShapeError``."""
    if not isinstance(payload, dict):
        raise UploadShapeError({"non_field_errors": ["the body must be a JSON object"]})
    raw = payload.get("device_id")
    if raw is None:
        raise UploadShapeError({"device_id": ["This field is required."]})
    try:
        if not isinstance(raw, str):
            raise ValueError
        return UUID(raw)
    except ValueError:
        raise UploadShapeError({"device_id": ["Must be a valid UUID."]}) from None


def validate_upload(payload: Any, *, today: date, now: datetime, max_days: int = MAX_DAYS) -> Upload:
    """Check every record of a bulk upload; see the module docstring for what each rule drops.

    ``today`` is the user's local date (profile time zone), ``now`` an aware datetime. Raises
    ``UploadShapeError`` when the body cannot be read record by record.
    """
    device_id = device_id_of(payload)
    errors: dict[str, list[str]] = {}
    days = _part(payload, "days", max_days, errors)
    sessions = _part(payload, "sessions", MAX_SESSIONS, errors)
    unlocks = _part(payload, "unlock_events", MAX_UNLOCK_EVENTS, errors)
    if errors:
        raise UploadShapeError(errors)
    upload = Upload(device_id=device_id)
    seen_dates: dict[date, int] = {}
    for i, day in enumerate(days):
        _day(upload, day, f"days[{i}]", today=today, seen=seen_dates, index=i)
    incoming: list[tuple[str, Session]] = []
    for i, raw in enumerate(sessions):
        session = _session(upload, raw, f"sessions[{i}]", now=now)
        if session is not None:
            incoming.append((f"sessions[{i}]", session))
    upload.sessions = incoming
    upload.merge_with([])
    seen_unlocks: set[datetime] = set()
    for i, raw in enumerate(unlocks):
        try:
            moment = values.instant(raw, now=now)
        except Invalid as exc:
            upload.rejected.append(Rejection(f"unlock_events[{i}]", str(exc)))
            continue
        if moment in seen_unlocks:
            continue  # the same instant twice is one unlock: nothing to count twice, nothing wrong
        seen_unlocks.add(moment)
        offset = int(moment.utcoffset().total_seconds())  # type: ignore[union-attr]
        upload.unlock_events.append(UnlockRow(moment, offset))
    return upload


def _day(upload: Upload, day: Any, path: str, *, today: date, seen: dict[date, int], index: int) -> None:
    if not isinstance(day, dict):
        upload.rejected.append(Rejection(path, "must be an object with a date"))
        return
    if "date" not in day:
        upload.rejected.append(Rejection(f"{path}.date", "is required"))
        return
    try:
        usage_date = values.local_date(day["date"], today=today)
    except Invalid as exc:
        upload.rejected.append(Rejection(f"{path}.date", str(exc)))
        return
    if usage_date in seen:
        upload.rejected.append(Rejection(f"{path}.date", f"{usage_date} is already in days[{seen[usage_date]}]"))
        return
    seen[usage_date] = index
    row = DayRow(usage_date)
    for name, check in _DAY_TOTALS.items():
        raw = day.get(name)
        if raw is None:
            continue
        try:
            setattr(row, name, check(raw))
        except Invalid as exc:
            upload.rejected.append(Rejection(f"{path}.{name}", str(exc)))
    upload.days.append(row)
    _apps(upload, day.get("apps"), f"{path}.apps", usage_date)
    _categories(upload, day.get("categories"), f"{path}.categories", usage_date)


def _apps(upload: Upload, apps: Any, path: str, usage_date: date) -> None:
    if apps is None:
        return
    if not isinstance(apps, list):
        upload.rejected.append(Rejection(path, "must be a list"))
        return
    if len(apps) > MAX_APPS_PER_DAY:
        upload.rejected.append(Rejection(path, f"at most {MAX_APPS_PER_DAY} apps per day (got {len(apps)})"))
        return
    rows: list[AppRow] = []
    seen: dict[str, int] = {}
    for j, app in enumerate(apps):
        here = f"{path}[{j}]"
        if not isinstance(app, dict):
            upload.rejected.append(Rejection(here, "must be an object with an app"))
            continue
        try:
            key = values.text(app.get("app"), required=True)
            name = _field(app, "name", here, lambda v: values.text(v, required=False))
            category = _field(app, "category", here, lambda v: values.text(v, required=False, limit=MAX_CATEGORY))
            minutes = _field(app, "minutes", here, values.minutes)
            launches = _field(app, "launches", here, values.count)
            notifications = _field(app, "notifications", here, values.count)
        except _FieldInvalid as exc:
            upload.rejected.append(Rejection(exc.path, exc.reason))
            continue
        except Invalid as exc:
            upload.rejected.append(Rejection(f"{here}.app", str(exc)))
            continue
        assert key is not None
        if key in seen:
            upload.rejected.append(Rejection(f"{here}.app", f"{key!r} is already in {path}[{seen[key]}]"))
            continue
        seen[key] = j
        rows.append(AppRow(usage_date, key, name, category, minutes, launches, notifications))
    total = sum((r.minutes for r in rows if r.minutes is not None), Decimal(0))
    if total > values.MINUTES_PER_DAY:
        upload.rejected.append(Rejection(
            path, f"the apps add up to {total} minutes, more than the {values.MINUTES_PER_DAY} minutes of a day"))
        return
    upload.apps.extend(rows)


def _categories(upload: Upload, categories: Any, path: str, usage_date: date) -> None:
    if categories is None:
        return
    if not isinstance(categories, list):
        upload.rejected.append(Rejection(path, "must be a list"))
        return
    if len(categories) > MAX_CATEGORIES_PER_DAY:
        upload.rejected.append(Rejection(path, f"at most {MAX_CATEGORIES_PER_DAY} categories per day"))
        return
    seen: dict[str, int] = {}
    for j, entry in enumerate(categories):
        here = f"{path}[{j}]"
        if not isinstance(entry, dict):
            upload.rejected.append(Rejection(here, "must be an object with a category and minutes"))
            continue
        try:
            name = values.text(entry.get("category"), required=True, limit=MAX_CATEGORY)
        except Invalid as exc:
            upload.rejected.append(Rejection(f"{here}.category", str(exc)))
            continue
        if entry.get("minutes") is None:
            upload.rejected.append(Rejection(f"{here}.minutes", "is required"))
            continue
        try:
            minutes = values.minutes(entry["minutes"])
        except Invalid as exc:
            upload.rejected.append(Rejection(f"{here}.minutes", str(exc)))
            continue
        assert name is not None
        if name in seen:
            upload.rejected.append(Rejection(f"{here}.category", f"{name!r} is already in {path}[{seen[name]}]"))
            continue
        seen[name] = j
        upload.categories.append(CategoryRow(usage_date, name, minutes))


def _session(upload: Upload, raw: Any, path: str, *, now: datetime) -> Session | None:
    if not isinstance(raw, dict):
        upload.rejected.append(Rejection(path, "must be an object with app, start and end"))
        return None
    try:
        key = values.text(raw.get("app"), required=True)
    except Invalid as exc:
        upload.rejected.append(Rejection(f"{path}.app", str(exc)))
        return None
    bounds: list[datetime] = []
    for name in ("start", "end"):
        if raw.get(name) is None:
            upload.rejected.append(Rejection(f"{path}.{name}", "is required"))
            return None
        try:
            bounds.append(values.instant(raw[name], now=now))
        except Invalid as exc:
            upload.rejected.append(Rejection(f"{path}.{name}", str(exc)))
            return None
    start, end = bounds
    try:
        assert key is not None
        return Session.checked(key, start, end)
    except Invalid as exc:
        upload.rejected.append(Rejection(path, str(exc)))
        return None


class _FieldInvalid(Exception):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason


def _field(record: dict[str, Any], name: str, path: str, check: Callable[[Any], Any]) -> Any:
    raw = record.get(name)
    if raw is None:
        return None
    try:
        return check(raw)
    except Invalid as exc:
        raise _FieldInvalid(f"{path}.{name}", str(exc)) from None
