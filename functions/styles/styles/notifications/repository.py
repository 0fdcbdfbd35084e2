"""SQL of notifications. Functions take an open connection and never open one; every query names
the owner (``user_id``), so a user reads and changes only their own."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

_COLUMNS = "id, user_id, type, title, message, link, is_read, created_at"


def insert(conn: psycopg.Connection, *, user_id: UUID, type: str, title: str, message: str, link: str | None = None,
           dedupe_key: str | None = None) -> UUID | None:
    """Notify ``user_id`` (a ``styles.users`` row): ``type`` (``training_completed``, ...), ``title``,
    ``message`` and ``link`` as the document's texts give them.

    Args:
        dedupe_key: when given, the notification is sent at most once per user and key (e.g.
            ``training_completed:<model id>``): a duplicate webhook notifies nobody twice.

    Returns:
        the new notification's id, or None when ``dedupe_key`` was already used.
    """
    row = conn.execute(
        """INSERT INTO styles.notifications (user_id, type, title, message, link, dedupe_key)
           VALUES (%s, %s, %s, %s, %s, %s)
           ON CONFLICT (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING RETURNING id""",
        (user_id, type, title, message, link, dedupe_key),
    ).fetchone()
    return None if row is None else row["id"]


def page(conn: psycopg.Connection, *, user_id: UUID, unread_only: bool, after: tuple[Any, UUID] | None,
         limit: int) -> list[dict[str, Any]]:
    """The user's notifications newest first, strictly after the keyset position ``after``."""
    return conn.execute(
        f"""SELECT {_COLUMNS} FROM styles.notifications
             WHERE user_id = %(user_id)s AND (NOT %(unread_only)s OR NOT is_read)
               AND (%(at)s::timestamptz IS NULL OR (created_at, id) < (%(at)s::timestamptz, %(id)s::uuid))
             ORDER BY created_at DESC, id DESC LIMIT %(limit)s""",
        {"user_id": user_id, "unread_only": unread_only, "at": after[0] if after else None,
         "id": after[1] if after else None, "limit": limit},
    ).fetchall()


def unread_count(conn: psycopg.Connection, *, user_id: UUID) -> int:
    """How many of the user's notifications are unread."""
    return int(conn.execute("SELECT count(*) AS n FROM styles.notifications WHERE user_id = %s AND NOT is_read",
                            (user_id,)).fetchone()["n"])


def mark_read(conn: psycopg.Connection, *, user_id: UUID, notification_id: UUID) -> dict[str, Any] | None:
    """Mark one of the user's notifications read; the row, or None when the user has no such one."""
    return conn.execute(
        f"UPDATE styles.notifications SET is_read = true WHERE id = %s AND user_id = %s RETURNING {_COLUMNS}",
        (notification_id, user_id),
    ).fetchone()


def mark_all_read(conn: psycopg.Connection, *, user_id: UUID) -> int:
    """Mark every unread notification of the user read; how many changed."""
    return conn.execute("UPDATE styles.notifications SET is_read = true WHERE user_id = %s AND NOT is_read",
                        (user_id,)).rowcount
