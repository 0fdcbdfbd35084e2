"""Conversation and journal use cases of the API (issue 11 items 4, 6; document 001 "Conversations
App": rating, favourites, feedback, ``/recent/``): request a generation, read, rate, favourite,
give feedback, and (staff) read the AI costs."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from backlot import db
from backlot.auth import Principal
from backlot.errors import BadRequest, Forbidden, NotFound
from backlot.pagination import decode_keyset, keyset_page

from wellness import limits
from wellness.conversations import repository as repo
from wellness.errors import Code
from wellness.settings import get_settings


def _not_found() -> NotFound:
    return NotFound("conversation not found", code=Code.conversation_not_found)


def request_generation(who: Principal, conversation_type: str, mood: str, device_ids: list[UUID], app_ids: list[UUID]) -> dict[str, Any]:
    """A pending conversation of the caller's devices and apps, queued for generation.

    Raises:
        BadRequest: both lists empty (``non_field_errors``), or an id that is not one of the caller's
            devices / apps on the caller's devices (``device_ids`` / ``app_ids`` naming it).
        TooManyRequests: the caller's on-demand conversation limits (:mod:`wellness.limits`).
    """
    device_ids, app_ids = list(dict.fromkeys(device_ids)), list(dict.fromkeys(app_ids))
    if not device_ids and not app_ids:
        raise BadRequest("no participants", fields=[{"field": "non_field_errors", "message": "give device_ids or app_ids (or both)"}])
    with db.transaction() as conn:
        limits.take(conn, who.user_id, "conversation_request")  # 429 beyond the hour's / day's requests (wellness/limits.py)
        devices = repo.devices_of(conn, who.user_id, device_ids)
        apps = repo.apps_of(conn, who.user_id, app_ids)
        fields = []
        for name, wanted, found in (("device_ids", device_ids, devices), ("app_ids", app_ids, apps)):
            missing = [str(i) for i in wanted if str(i) not in {p["id"] for p in found}]
            if missing:
                fields.append({"field": name, "message": f"not one of yours: {', '.join(missing)}"})
        if fields:
            raise BadRequest("unknown participants", fields=fields)
        row_id = repo.insert(conn, who.user_id, {
            "kind": "conversation", "origin": "on_demand", "conversation_type": conversation_type, "mood": mood,
            "for_date": repo.local_today(conn, who.user_id), "participants": devices + apps})
    enqueue(row_id)
    return {"id": row_id, "status": "pending"}


def enqueue(row_id: UUID) -> None:
    """One message ``{"id"}`` to GenerateQueue (after the row is committed: the job must find it)."""
    url = get_settings().generate_queue_url
    if url:
        import boto3  # here: boto3 is slow to import and only this route sends

        boto3.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps({"id": str(row_id)}))


def get(who: Principal, row_id: UUID, kind: str | None = None) -> dict[str, Any]:
    """One conversation or journal of the caller. Raises NotFound (also for another user's)."""
    with db.transaction() as conn:
        row = repo.get(conn, who.user_id, row_id)
    if row is None or (kind and row["kind"] != kind):
        raise _not_found()
    return row


def list_rows(who: Principal, kind: str, filters: dict[str, Any], cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """One page (newest first) and the next/previous cursors."""
    key = decode_keyset(cursor)
    with db.transaction() as conn:
        rows = repo.list_rows(conn, who.user_id, kind, filters, key, limit)
    return keyset_page(rows, limit, key)


def recent(who: Principal, days: int = 7, limit: int = 20) -> list[dict[str, Any]]:
    """The caller's ready conversations of the last ``days`` local days, newest first."""
    with db.transaction() as conn:
        since = repo.local_today(conn, who.user_id) - timedelta(days=days)
        rows = repo.list_rows(conn, who.user_id, "conversation", {"status": "ready"}, None, limit * 4)
    return [r for r in rows if r["for_date"] >= since][:limit]


def _update(who: Principal, row_id: UUID, sql_set: str, args: tuple[Any, ...]) -> dict[str, Any]:
    with db.transaction() as conn:
        if not repo.update_user_fields(conn, who.user_id, row_id, sql_set, args):
            raise _not_found()
        return repo.get(conn, who.user_id, row_id)  # type: ignore[return-value]


def rate(who: Principal, row_id: UUID, rating: int) -> dict[str, Any]:
    return _update(who, row_id, "rating = %s", (rating,))


def toggle_favorite(who: Principal, row_id: UUID) -> dict[str, Any]:
    return _update(who, row_id, "is_favorite = NOT is_favorite", ())


def feedback(who: Principal, row_id: UUID, text: str) -> dict[str, Any]:
    return _update(who, row_id, "feedback = %s", (text,))


def costs(who: Principal, since: date, until: date) -> list[dict[str, Any]]:
    """AI spend per UTC day and model (staff only: the Cognito group ``staff_group``).

    Raises:
        Forbidden: (``staff_only``) the caller is not staff.
        BadRequest: ``until`` before ``since`` or more than 366 days.
    """
    if not who.in_group(get_settings().staff_group):
        raise Forbidden("staff only", code=Code.staff_only)
    if until < since or (until - since).days > 366:
        raise BadRequest("bad period", fields=[{"field": "until", "message": "must be 0-366 days after since"}])
    with db.transaction() as conn:
        return repo.costs(conn, since, until)
