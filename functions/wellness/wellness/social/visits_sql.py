"""SQL of friend visits (``wellness.friend_visits``). The status answered is computed: a pending
or active visit whose ``ends_at`` has passed is ``expired`` (no job ends it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from backlot.pagination import Keyset

from wellness.social.paging import named_keyset

STATUS = "CASE WHEN v.status IN ('pending', 'active') AND v.ends_at <= now() THEN 'expired' ELSE v.status END"

VIEW = f"""
SELECT v.id, v.ends_at, v.created_at, v.accepted_at, v.ended_at, {STATUS} AS status,
       CASE WHEN v.host_id = %(me)s THEN 'host' ELSE 'guest' END AS role,
       jsonb_build_object('id', f.user_id, 'display_name', f.display_name) AS friend,
       CASE WHEN md.id IS NOT NULL THEN jsonb_build_object('id', md.id, 'name', md.name, 'personality_type', md.personality_type) END AS my_device,
       CASE WHEN fd.id IS NOT NULL THEN jsonb_build_object('id', fd.id, 'name', fd.name, 'personality_type', fd.personality_type) END AS friend_device
FROM wellness.friend_visits v
JOIN LATERAL (SELECT CASE WHEN v.host_id = %(me)s THEN v.guest_id ELSE v.host_id END AS user_id,
                     CASE WHEN v.host_id = %(me)s THEN v.host_device_id ELSE v.guest_device_id END AS my_device_id,
                     CASE WHEN v.host_id = %(me)s THEN v.guest_device_id ELSE v.host_device_id END AS friend_device_id) x ON true
LEFT JOIN wellness.profiles f ON f.user_id = x.user_id
LEFT JOIN wellness.devices md ON md.id = x.my_device_id
LEFT JOIN wellness.devices fd ON fd.id = x.friend_device_id
"""
MINE = "(v.host_id = %(me)s OR v.guest_id = %(me)s)"


def owns_device(conn: psycopg.Connection, user_id: UUID, device_id: UUID) -> bool:
    return conn.execute("SELECT 1 FROM wellness.devices WHERE id = %s AND user_id = %s", (device_id, user_id)).fetchone() is not None


def insert(conn: psycopg.Connection, visit_id: UUID, host: UUID, guest: UUID, host_device: UUID, ends_at: datetime) -> None:
    conn.execute("INSERT INTO wellness.friend_visits (id, host_id, guest_id, host_device_id, status, ends_at) "
                 "VALUES (%s, %s, %s, %s, 'pending', %s)", (visit_id, host, guest, host_device, ends_at))


def lock(conn: psycopg.Connection, me: UUID, visit_id: UUID) -> dict[str, Any] | None:
    """The caller's visit with its computed status, locked (None: not theirs)."""
    return conn.execute(
        f"SELECT v.id, v.host_id, v.guest_id, {STATUS} AS status FROM wellness.friend_visits v "
        f"WHERE v.id = %(id)s AND {MINE} FOR UPDATE", {"me": me, "id": visit_id}).fetchone()


def accept(conn: psycopg.Connection, visit_id: UUID, guest_device: UUID) -> None:
    conn.execute("UPDATE wellness.friend_visits SET status = 'active', guest_device_id = %s, accepted_at = now() WHERE id = %s",
                 (guest_device, visit_id))


def end(conn: psycopg.Connection, visit_id: UUID) -> None:
    conn.execute("UPDATE wellness.friend_visits SET status = 'ended', ended_at = now() WHERE id = %s", (visit_id,))


def get(conn: psycopg.Connection, me: UUID, visit_id: UUID) -> dict[str, Any] | None:
    return conn.execute(f"{VIEW} WHERE v.id = %(id)s AND {MINE}", {"me": me, "id": visit_id}).fetchone()


def page(conn: psycopg.Connection, me: UUID, *, status: str | None, key: Keyset | None, limit: int) -> list[dict[str, Any]]:
    """``limit + 1`` of the caller's visits, newest first, after/before ``key``; ``status`` as computed."""
    cond, order, names = named_keyset("v.created_at", "v.id", key, descending=True)
    return conn.execute(
        f"{VIEW} WHERE {MINE} AND (%(status)s::text IS NULL OR {STATUS} = %(status)s) AND {cond} ORDER BY {order} LIMIT %(n)s",
        {"me": me, "status": status, "n": limit + 1, **names}).fetchall()


def active_visit(conn: psycopg.Connection, me: UUID, visit_id: UUID) -> dict[str, Any] | None:
    """The caller's visit if it is active now, as :data:`VIEW` answers it (both devices with names
    and personalities), else None."""
    return conn.execute(f"{VIEW} WHERE v.id = %(id)s AND {MINE} AND {STATUS} = 'active'", {"me": me, "id": visit_id}).fetchone()


def end_between(conn: psycopg.Connection, a: UUID, b: UUID) -> int:
    """End every pending or active visit between users ``a`` and ``b`` (a block); returns how many."""
    return conn.execute(
        "UPDATE wellness.friend_visits SET status = 'ended', ended_at = now() WHERE status IN ('pending', 'active') "
        "AND ((host_id = %s AND guest_id = %s) OR (host_id = %s AND guest_id = %s))", (a, b, b, a)).rowcount
