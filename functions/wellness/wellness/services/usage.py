"""Usage use cases: bulk upload, StayFree import, and the reads (list, summary, top apps).

Issue 10 item 4 and the document's ``/api/usage/data/`` actions. Each write runs in one
transaction that first locks the caller's device row (``repository.usage.lock_device``): another
user's device, or none, is ``DeviceNotFound`` (404) before anything is written; two uploads of one
device run one after the other, so a day uploaded twice at once ends as one of the two uploads,
never as their sum. After the commit (never inside the transaction: no AWS call holds a
database transaction open) one SQS message asks for the recalculation of the user's affected
days (WELLNESS.md: ``{"user_id", "dates"}`` to ``RecalculateQueue``).
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backlot import db
from backlot.auth import Principal
from backlot.errors import NotFound
from backlot.pagination import Keyset, keyset_page
from backlot.observability import logger, metrics

from wellness.domain.ingest import Upload, validate_upload
from wellness.domain.stayfree import MAX_ROWS, describe_path, parse_stayfree
from wellness.errors import Code
from wellness.repository import usage as repo
from wellness.settings import get_settings

#: The longest period the summary and top apps read at once (days).
MAX_PERIOD_DAYS = 366


def DeviceNotFound(device_id: UUID) -> NotFound:  # noqa: N802 - reads like the error it builds
    """404 ``device_not_found``: no such device, or another user's (indistinguishable on purpose)."""
    return NotFound("device not found", code=Code.device_not_found)


def _today(user_id: UUID, now: datetime) -> date:
    """The user's local date: their profile's time zone (``UTC`` by default)."""
    name = repo.profile_time_zone(db.connection(), user_id=user_id) or get_settings().default_time_zone
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).date()


def bulk_upload(*, payload: Any, user: Principal) -> dict[str, Any]:
    """``POST /api/usage/data/bulk_upload/``: validate every record, store the valid ones.

    Returns ``{"accepted": {"days", "apps", "sessions", "unlock_events"}, "rejected": [{"path",
    "reason"}]}``. Raises ``UploadShapeError`` (400) when the body cannot be read record by
    record, ``DeviceNotFound`` (404) when ``device_id`` is not one of the caller's devices.
    """
    now = datetime.now(timezone.utc)
    upload = validate_upload(payload, today=_today(user.user_id, now), now=now)
    _store(upload, user_id=user.user_id, source="bulk_upload")
    return _answer(upload, user_id=user.user_id, describe=lambda path: path)


def import_stayfree(*, device_id: UUID, files: dict[str, tuple[str, bytes]], user: Principal) -> dict[str, Any]:
    """``POST /api/usage/data/import/stayfree/``: StayFree's tables → the device's days.

    ``files`` maps ``app_usage_time`` / ``app_usage_count`` / ``device_unlocks`` to (filename,
    bytes). The days go through the bulk-upload rules and storage (source ``stayfree``); paths
    of refused records name the table cell (``file:line:column``) or the day and app. Raises
    ``StayFreeFormatError`` (400) for a file that is not a StayFree table, ``DeviceNotFound``.
    """
    now = datetime.now(timezone.utc)
    parsed = parse_stayfree(files)
    upload = validate_upload({"device_id": str(device_id), "days": parsed.days},
                             today=_today(user.user_id, now), now=now, max_days=MAX_ROWS)
    _store(upload, user_id=user.user_id, source="stayfree")
    answer = _answer(upload, user_id=user.user_id, describe=lambda path: describe_path(parsed.days, path))
    answer["rejected"] = [{"path": p, "reason": r} for p, r in parsed.rejected] + answer["rejected"]
    return answer


def _store(upload: Upload, *, user_id: UUID, source: str) -> None:
    with db.transaction() as conn:
        if not repo.lock_device(conn, device_id=upload.device_id, user_id=user_id):
            raise DeviceNotFound(upload.device_id)
        repo.replace_days(conn, device_id=upload.device_id, user_id=user_id, source=source,
                          days=upload.days, apps=upload.apps, categories=upload.categories)
        if upload.sessions:
            stored = repo.sessions_overlapping(conn, device_id=upload.device_id, user_id=user_id,
                                               sessions=[s for _, s in upload.sessions])
            merged = upload.merge_with(stored)
            repo.replace_sessions(conn, device_id=upload.device_id, user_id=user_id, old=stored, new=merged)
        repo.add_unlock_events(conn, device_id=upload.device_id, user_id=user_id, events=upload.unlock_events)
    metrics.add_metric(name="UsageDaysStored", unit="Count", value=len(upload.days))
    metrics.add_metric(name="UsageRecordsRejected", unit="Count", value=len(upload.rejected))


def _answer(upload: Upload, *, user_id: UUID, describe: Any) -> dict[str, Any]:
    dates = upload.affected_dates()
    if dates:
        queue_recalculation(user_id, dates)
    logger.info("usage stored", extra={"device_id": str(upload.device_id), **upload.accepted(),
                                       "rejected": len(upload.rejected)})
    return {"accepted": upload.accepted(),
            "rejected": [{"path": describe(r.path), "reason": r.reason} for r in upload.rejected]}


@lru_cache(maxsize=1)
def _sqs() -> Any:
    import boto3

    return boto3.client("sqs")


def queue_recalculation(user_id: UUID, dates: list[date]) -> bool:
    """Send ``{"user_id", "dates": ["YYYY-MM-DD", ...]}`` to ``RecalculateQueue`` (WELLNESS.md).

    Called after the upload committed. A failure to send is logged and counted
    (``RecalculationNotQueued``) but does not fail the upload, which is stored: the nightly run
    recalculates every user's days anyway, and the client retrying would change nothing.
    Returns whether the message was sent.
    """
    url = get_settings().recalculate_queue_url
    if not url:
        logger.warning("no recalculation queue configured", extra={"user_id": str(user_id)})
        return False
    body = json.dumps({"user_id": str(user_id), "dates": [d.isoformat() for d in dates]})
    try:
        _sqs().send_message(QueueUrl=url, MessageBody=body)
    except Exception:  # noqa: BLE001 - any AWS failure: the stored upload stands (see docstring)
        logger.exception("recalculation not queued", extra={"user_id": str(user_id), "days": len(dates)})
        metrics.add_metric(name="RecalculationNotQueued", unit="Count", value=1)
        return False
    return True


# ---------------------------------------------------------------- reads
def period(start: date | None, end: date | None, *, user: Principal, default_days: int) -> tuple[date, date]:
    """``[start, end]`` with defaults: ``end`` = the user's today, ``start`` = ``default_days`` - 1
    days before ``end``. Raises ``ValueError`` (a 400 on the named field) when reversed or longer
    than ``MAX_PERIOD_DAYS``."""
    if end is None:
        end = _today(user.user_id, datetime.now(timezone.utc))
    if start is None:
        start = end - timedelta(days=default_days - 1)
    if start > end:
        raise ValueError("start is after end")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise ValueError(f"the period is longer than {MAX_PERIOD_DAYS} days")
    return start, end


def _check_device(conn: Any, device_id: UUID | None, user_id: UUID) -> None:
    if device_id is not None and not repo.owns_device(conn, device_id=device_id, user_id=user_id):
        raise DeviceNotFound(device_id)


def summary(*, user: Principal, start: date, end: date, device_id: UUID | None) -> dict[str, Any]:
    """``GET /api/usage/data/summary/``: per-day totals over the caller's devices, and the period's.

    Returns ``{"start", "end", "device", "days": [{"date", "screen_time_minutes", "unlocks",
    "notifications", "devices"}], "totals": {"screen_time_minutes", "unlocks", "notifications",
    "days"}}``; days without data are left out. Raises ``DeviceNotFound`` for a device not theirs.
    """
    conn = db.connection()
    _check_device(conn, device_id, user.user_id)
    rows = repo.day_summary(conn, user_id=user.user_id, device_id=device_id, start=start, end=end)
    days = [{"date": r["usage_date"], "screen_time_minutes": r["screen_time_minutes"], "unlocks": r["unlocks"],
             "notifications": r["notifications"], "devices": r["devices"]} for r in rows]

    def total(name: str) -> int | None:
        values = [d[name] for d in days if d[name] is not None]
        return sum(values) if values else None

    return {"start": start, "end": end, "device": device_id, "days": days,
            "totals": {"screen_time_minutes": total("screen_time_minutes"), "unlocks": total("unlocks"),
                       "notifications": total("notifications"), "days": len(days)}}


def top_apps(*, user: Principal, start: date, end: date, device_id: UUID | None, limit: int) -> dict[str, Any]:
    """``GET /api/usage/data/top_apps/``: the caller's most used apps in the period.

    Returns ``{"start", "end", "device", "results": [{"app", "name", "category", "minutes",
    "launches", "days"}]}``, most minutes first.
    """
    conn = db.connection()
    _check_device(conn, device_id, user.user_id)
    rows = repo.top_apps(conn, user_id=user.user_id, device_id=device_id, start=start, end=end, limit=limit)
    return {"start": start, "end": end, "device": device_id, "results": rows}


def list_days(*, user: Principal, device_id: UUID | None, start: date | None, end: date | None,
              key: Keyset | None, limit: int) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """``GET /api/usage/data/``: the caller's device days, newest first, keyset-paged on
    ``(usage_date, device_id)``; returns ``(rows, next cursor, previous cursor)``."""
    conn = db.connection()
    _check_device(conn, device_id, user.user_id)
    rows = repo.list_days(conn, user_id=user.user_id, device_id=device_id, start=start, end=end,
                          key=key, limit=limit + 1)
    for row in rows:  # the keyset's (timestamp, uuid) sort key: the date at 00:00 UTC, the device
        row["sort_at"] = datetime.combine(row["usage_date"], time(), tzinfo=timezone.utc)
        row["id"] = row["device_id"]
    return keyset_page(rows, limit, key, "sort_at")
