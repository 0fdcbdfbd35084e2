"""SQL of blocks (``wellness.blocks``: one row per blocker and blocked user) and the pair lock that
orders everything two users do to each other (a block, a friend request, a visit proposal)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from backlot.pagination import Keyset

from wellness.social.paging import named_keyset


def between_sql(me: str, other: str) -> str:
    """A SQL condition: a block between the users of the two expressions, either way."""
    return (f"EXISTS (SELECT 1 FROM wellness.blocks bk WHERE (bk.blocker_id = {me} AND bk.blocked_id = {other}) "
            f"OR (bk.blocker_id = {other} AND bk.blocked_id = {me}))")


def lock_pair(conn: psycopg.Connection, a: UUID, b: UUID) -> None:
    """Take the transaction's advisory lock of the unordered pair ``{a, b}``: a block and a friend
    request (or a visit proposal) of the same two users run one after the other, whoever started
    first, so a block never misses a request written at the same moment."""
    low, high = sorted((str(a), str(b)))
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"wellness.pair:{low}:{high}",))


def state(conn: psycopg.Connection, me: UUID, other: UUID) -> tuple[bool, bool]:
    """``(me blocks other, other blocks me)``."""
    rows = conn.execute("SELECT blocker_id FROM wellness.blocks WHERE (blocker_id = %s AND blocked_id = %s) "
                        "OR (blocker_id = %s AND blocked_id = %s)", (me, other, other, me)).fetchall()
    blockers = {r["blocker_id"] for r in rows}
    return me in blockers, other in blockers


def insert(conn: psycopg.Connection, blocker: UUID, blocked: UUID) -> bool:
    """Store the block; False when it already existed."""
    return conn.execute("INSERT INTO wellness.blocks (blocker_id, blocked_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                        (blocker, blocked)).rowcount > 0


def delete(conn: psycopg.Connection, blocker: UUID, blocked: UUID) -> bool:
    """Remove the block; False when there was none."""
    return conn.execute("DELETE FROM wellness.blocks WHERE blocker_id = %s AND blocked_id = %s",
                        (blocker, blocked)).rowcount > 0


VIEW = """
SELECT b.blocked_id AS id, b.created_at, jsonb_build_object('id', b.blocked_id, 'display_name', p.display_name) AS "user"
FROM wellness.blocks b LEFT JOIN wellness.profiles p ON p.user_id = b.blocked_id
"""


def get(conn: psycopg.Connection, me: UUID, blocked: UUID) -> dict[str, Any] | None:
    """The caller's block of ``blocked`` (``id`` is the blocked user's id), None without one."""
    return conn.execute(f"{VIEW} WHERE b.blocker_id = %(me)s AND b.blocked_id = %(other)s",
                        {"me": me, "other": blocked}).fetchone()


def page(conn: psycopg.Connection, me: UUID, *, key: Keyset | None, limit: int) -> list[dict[str, Any]]:
    """``limit + 1`` of the caller's blocks, oldest first, after/before ``key``."""
    cond, order, names = named_keyset("b.created_at", "b.blocked_id", key)
    return conn.execute(f"{VIEW} WHERE b.blocker_id = %(me)s AND {cond} ORDER BY {order} LIMIT %(n)s",
                        {"me": me, "n": limit + 1, **names}).fetchall()
