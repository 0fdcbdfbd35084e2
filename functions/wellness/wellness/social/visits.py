"""Friend visit use cases (document 001 "Temporary device connections (friend visits)"; issue 11
item 7): a user invites a friend for a visit between one device of each, until an end time; the
friend accepts with their device; either ends it earlier. Expiry is computed when read
(``visits_sql.STATUS``): a visit past ``ends_at`` is ``expired`` without any job.

A visit "can lead to a friend_visit conversation between the two phones": the conversations area
calls :func:`devices_for_conversation` (nothing is queued from here).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import psycopg

from backlot import db
from backlot.auth import Principal
from backlot.errors import BadRequest, Conflict, Forbidden, NotFound
from backlot.pagination import decode_keyset, keyset_page

from wellness import limits
from wellness.errors import Code
from wellness.notifications.events import Event, notify
from wellness.schemas.social import VisitCreate
from wellness.social import blocks_sql, friends_sql
from wellness.social import visits_sql as sql

MAX_VISIT = timedelta(days=7)
"""The longest visit (a temporary connection: "friend visits" are days, not a standing link)."""


def _not_found() -> NotFound:
    return NotFound("visit not found", code=Code.visit_not_found)


def create(who: Principal, body: VisitCreate) -> dict[str, Any]:
    """Invite friend ``user_id`` with the caller's ``device_id`` until ``ends_at`` (pending).

    Raises:
        BadRequest: naming ``user_id`` (not an accepted friend), ``device_id`` (not the caller's)
            or ``ends_at`` (not in the future, or more than 7 days away). A block between the two
            ended the friendship: ``user_id`` is then not a friend (nothing says who blocked).
        TooManyRequests: the caller's visit-proposal limits (:mod:`wellness.limits`).

    The friendship is read under the pair's lock (:func:`blocks_sql.lock_pair`), so a block at the
    same moment either comes first (refused here) or ends this visit.
    """
    now = datetime.now(timezone.utc)
    problems = []
    if body.ends_at.tzinfo is None:
        problems.append({"field": "ends_at", "message": "needs a UTC offset"})
    elif not now < body.ends_at <= now + MAX_VISIT:
        problems.append({"field": "ends_at", "message": "must be in the future, at most 7 days away"})
    with db.transaction() as conn:
        limits.take(conn, who.user_id, "visit_proposal")
        if body.user_id != who.user_id:
            blocks_sql.lock_pair(conn, who.user_id, body.user_id)
        if not friends_sql.are_friends(conn, who.user_id, body.user_id):
            problems.append({"field": "user_id", "message": "not a friend of yours"})
        if not sql.owns_device(conn, who.user_id, body.device_id):
            problems.append({"field": "device_id", "message": "not a device of yours"})
        if problems:
            raise BadRequest("invalid visit", fields=problems)
        visit_id = uuid.uuid4()
        sql.insert(conn, visit_id, who.user_id, body.user_id, body.device_id, body.ends_at)
        notify(conn, body.user_id, Event.visit_requested, {"visit_id": visit_id, "user_id": who.user_id})
        return sql.get(conn, who.user_id, visit_id)  # type: ignore[return-value]


def accept(who: Principal, visit_id: UUID, device_id: UUID) -> dict[str, Any]:
    """The invited friend agrees with one of their devices; the visit becomes active. Accepting an
    active visit with the same device again answers it as it is.

    Raises:
        NotFound: not the caller's visit. Forbidden ``not_addressee``: the host cannot accept.
        BadRequest: naming ``device_id`` (not the caller's). Conflict ``visit_over`` (ended or
            expired), ``not_friends`` (no longer friends).
    """
    with db.transaction() as conn:
        row = sql.lock(conn, who.user_id, visit_id)
        if row is None:
            raise _not_found()
        if row["guest_id"] != who.user_id:
            raise Forbidden("only the invited friend can accept the visit", code=Code.not_addressee)
        if not sql.owns_device(conn, who.user_id, device_id):
            raise BadRequest("invalid visit", fields=[{"field": "device_id", "message": "not a device of yours"}])
        if row["status"] in ("ended", "expired"):
            raise Conflict(f"the visit is {row['status']}", code=Code.visit_over)
        if row["status"] == "pending":
            if not friends_sql.are_friends(conn, row["host_id"], row["guest_id"]):
                raise Conflict("you are no longer friends", code=Code.not_friends)
            sql.accept(conn, visit_id, device_id)
            notify(conn, row["host_id"], Event.visit_accepted, {"visit_id": visit_id, "user_id": who.user_id})
        return sql.get(conn, who.user_id, visit_id)  # type: ignore[return-value]


def end(who: Principal, visit_id: UUID) -> dict[str, Any]:
    """Either user ends the visit (a pending one is withdrawn or declined this way). Ending an
    ended or expired visit answers it as it is. Raises NotFound."""
    with db.transaction() as conn:
        row = sql.lock(conn, who.user_id, visit_id)
        if row is None:
            raise _not_found()
        if row["status"] in ("pending", "active"):
            sql.end(conn, visit_id)
        return sql.get(conn, who.user_id, visit_id)  # type: ignore[return-value]


def list_visits(who: Principal, status: str | None, cursor: str | None, limit: int
                ) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """One page of the caller's visits (host or guest), newest first; ``status`` as computed."""
    key = decode_keyset(cursor)
    with db.transaction() as conn:
        rows = sql.page(conn, who.user_id, status=status, key=key, limit=limit)
    return keyset_page(rows, limit, key)


def devices_for_conversation(conn: psycopg.Connection, user_id: UUID, visit_id: UUID) -> dict[str, Any] | None:
    """For the conversations area (a ``friend_visit`` conversation between the two phones): the
    user's active visit as :class:`wellness.schemas.social.VisitPublic` fields, ``my_device`` and
    ``friend_device`` each ``{"id", "name", "personality_type"}``; None when the visit is not the
    user's or not active now. Reads only; the caller holds the transaction."""
    return sql.active_visit(conn, user_id, visit_id)
