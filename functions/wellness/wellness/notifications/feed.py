"""The in-app feed's use cases (``/api/notifications/``): a page of the caller's notifications
(newest first, ``unread`` filter), mark one read, mark all read. Reading is idempotent (a read
notification keeps its first ``read_at``); another user's notification is a 404
``notification_not_found``, never a 403 (its existence is not told)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from backlot import db
from backlot.auth import Principal
from backlot.errors import NotFound
from backlot.pagination import decode_keyset, keyset_page, keyset_sql

from wellness.errors import Code

COLUMNS = "id, event, data, read_at, created_at, (read_at IS NOT NULL) AS is_read"


def list_page(who: Principal, unread: bool | None, cursor: str | None, limit: int
              ) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """One page of the caller's notifications, newest first; ``unread`` True: unread only, False:
    read only. Returns (items, next cursor, previous cursor). Raises BadRequest (``invalid_cursor``)."""
    key = decode_keyset(cursor)
    cond, order, params = keyset_sql("created_at", "id", key, descending=True)
    state = "" if unread is None else " AND read_at IS NULL" if unread else " AND read_at IS NOT NULL"
    with db.transaction() as conn:
        rows = conn.execute(f"SELECT {COLUMNS} FROM wellness.notifications WHERE user_id = %s{state} AND {cond} "
                            f"ORDER BY {order} LIMIT %s", (who.user_id, *params, limit + 1)).fetchall()
    return keyset_page(rows, limit, key)


def mark_read(who: Principal, notification_id: UUID) -> dict[str, Any]:
    """Mark one of the caller's notifications read (again: unchanged); returns it.

    Raises:
        NotFound: ``notification_not_found``, no such notification of the caller.
    """
    with db.transaction() as conn:
        row = conn.execute(
            f"""UPDATE wellness.notifications SET read_at = coalesce(read_at, now())
                WHERE user_id = %s AND id = %s RETURNING {COLUMNS}""", (who.user_id, notification_id)).fetchone()
    if row is None:
        raise NotFound("notification not found", code=Code.notification_not_found)
    return row


def mark_all_read(who: Principal) -> int:
    """Mark every unread notification of the caller read; returns how many changed (0 the second time)."""
    with db.transaction() as conn:
        return conn.execute("UPDATE wellness.notifications SET read_at = now() WHERE user_id = %s AND read_at IS NULL",
                            (who.user_id,)).rowcount
