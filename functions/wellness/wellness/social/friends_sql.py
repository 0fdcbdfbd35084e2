"""SQL of friend connections (``wellness.friend_connections``: one row per pair of users)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from backlot.pagination import Keyset

from wellness.social.paging import named_keyset

# The connection as the caller (%(me)s) sees it: the other user and the direction.
VIEW = """
SELECT c.id, c.status, c.created_at, c.updated_at, c.responded_at,
       CASE WHEN c.requester_id = %(me)s THEN 'outgoing' ELSE 'incoming' END AS direction,
       jsonb_build_object('id', o.user_id, 'display_name', o.display_name) AS "user"
FROM wellness.friend_connections c
JOIN LATERAL (SELECT CASE WHEN c.requester_id = %(me)s THEN c.addressee_id ELSE c.requester_id END AS user_id) x ON true
LEFT JOIN wellness.profiles o ON o.user_id = x.user_id
"""
# what the caller may see: theirs, and not blocked by the other user
MINE = "(c.requester_id = %(me)s OR c.addressee_id = %(me)s) AND NOT (c.status = 'blocked' AND c.blocked_by <> %(me)s)"


def has_profile(conn: psycopg.Connection, user_id: UUID) -> bool:
    """Whether the user is a wellness user (has a profile)."""
    return conn.execute("SELECT 1 FROM wellness.profiles WHERE user_id = %s", (user_id,)).fetchone() is not None


def insert_or_lock_pair(conn: psycopg.Connection, connection_id: UUID, requester: UUID, addressee: UUID
                        ) -> tuple[dict[str, Any], bool]:
    """The pair's row, locked: a new pending row from ``requester`` (created True), or the existing
    one. Two requests of the same pair at once: the second waits on the first's insert (the unique
    pair) and then reads its row."""
    new = conn.execute(
        "INSERT INTO wellness.friend_connections (id, requester_id, addressee_id, status) VALUES (%s, %s, %s, 'pending') "
        "ON CONFLICT (user_low, user_high) DO NOTHING RETURNING id", (connection_id, requester, addressee)).fetchone()
    row = conn.execute(
        "SELECT id, requester_id, addressee_id, status, blocked_by FROM wellness.friend_connections "
        "WHERE user_low = LEAST(%s::uuid, %s::uuid) AND user_high = GREATEST(%s::uuid, %s::uuid) FOR UPDATE",
        (requester, addressee, requester, addressee)).fetchone()
    return row, new is not None


def lock(conn: psycopg.Connection, connection_id: UUID, *, for_update: bool = True) -> dict[str, Any] | None:
    """The stored row, locked for update unless ``for_update`` is False (None: no such connection)."""
    return conn.execute("SELECT id, requester_id, addressee_id, status, blocked_by FROM wellness.friend_connections "
                        f"WHERE id = %s{' FOR UPDATE' if for_update else ''}", (connection_id,)).fetchone()


def set_status(conn: psycopg.Connection, connection_id: UUID, status: str, *, requester: UUID | None = None,
               blocked_by: UUID | None = None) -> None:
    """Set the status (and who blocked; the requester when a declined request is renewed)."""
    conn.execute(
        "UPDATE wellness.friend_connections SET status = %s, blocked_by = %s, updated_at = now(), "
        "responded_at = CASE WHEN %s = 'pending' THEN NULL ELSE now() END, "
        "requester_id = COALESCE(%s, requester_id), "
        "addressee_id = CASE WHEN %s::uuid IS NULL OR %s::uuid = requester_id THEN addressee_id ELSE requester_id END "
        "WHERE id = %s", (status, blocked_by, status, requester, requester, requester, connection_id))


def delete(conn: psycopg.Connection, connection_id: UUID) -> None:
    conn.execute("DELETE FROM wellness.friend_connections WHERE id = %s", (connection_id,))


def get(conn: psycopg.Connection, me: UUID, connection_id: UUID) -> dict[str, Any] | None:
    """The connection as ``me`` sees it (None: not theirs, or they are the blocked user)."""
    return conn.execute(f"{VIEW} WHERE c.id = %(id)s AND {MINE}", {"me": me, "id": connection_id}).fetchone()


def page(conn: psycopg.Connection, me: UUID, *, status: str | None, key: Keyset | None, limit: int) -> list[dict[str, Any]]:
    """``limit + 1`` of the caller's connections in creation order after/before ``key``."""
    cond, order, names = named_keyset("c.created_at", "c.id", key)
    return conn.execute(
        f"{VIEW} WHERE {MINE} AND (%(status)s::text IS NULL OR c.status = %(status)s) AND {cond} ORDER BY {order} LIMIT %(n)s",
        {"me": me, "status": status, "n": limit + 1, **names}).fetchall()


def are_friends(conn: psycopg.Connection, a: UUID, b: UUID) -> bool:
    """Whether users ``a`` and ``b`` have an accepted connection."""
    return conn.execute(
        "SELECT 1 FROM wellness.friend_connections WHERE user_low = LEAST(%s::uuid, %s::uuid) "
        "AND user_high = GREATEST(%s::uuid, %s::uuid) AND status = 'accepted'", (a, b, a, b)).fetchone() is not None


def lock_pair_row(conn: psycopg.Connection, a: UUID, b: UUID) -> dict[str, Any] | None:
    """The pair's connection row, locked for update (None: the two have none)."""
    return conn.execute(
        "SELECT id, requester_id, addressee_id, status, blocked_by FROM wellness.friend_connections "
        "WHERE user_low = LEAST(%s::uuid, %s::uuid) AND user_high = GREATEST(%s::uuid, %s::uuid) FOR UPDATE",
        (a, b, a, b)).fetchone()
