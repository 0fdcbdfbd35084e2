"""The notification endpoints' use cases (design document 004, M5-Notification): list with the
unread count, mark one read, mark all read. Only the caller's own: another user's notification is
a 404, as if it did not exist."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from backlot import db
from backlot.errors import NotFound
from backlot.pagination import decode_cursor, page

from styles.errors import Code
from styles.notifications import repository


def list_page(*, user_id: UUID, unread_only: bool, cursor: str | None, limit: int) -> dict[str, Any]:
    """``{"items", "next_cursor", "unread_count"}``, newest first.

    Raises:
        BadRequest: (400 ``invalid_cursor``) a cursor this API did not make.
    """
    after = decode_cursor(cursor)
    with db.transaction() as conn:
        rows = repository.page(conn, user_id=user_id, unread_only=unread_only, after=after, limit=limit + 1)
        unread = repository.unread_count(conn, user_id=user_id)
    items, next_cursor = page(rows, limit, "created_at")
    return {"items": items, "next_cursor": next_cursor, "unread_count": unread}


def mark_read(*, user_id: UUID, notification_id: UUID) -> dict[str, Any]:
    """Mark the caller's notification read (again is fine); the notification.

    Raises:
        NotFound: (404 ``not_found``) no such notification of the caller's.
    """
    with db.transaction() as conn:
        row = repository.mark_read(conn, user_id=user_id, notification_id=notification_id)
    if row is None:
        raise NotFound(f"notification {notification_id} not found", code=Code.not_found)
    return row


def mark_all_read(*, user_id: UUID) -> int:
    """Mark all the caller's unread notifications read; how many."""
    with db.transaction() as conn:
        return repository.mark_all_read(conn, user_id=user_id)
