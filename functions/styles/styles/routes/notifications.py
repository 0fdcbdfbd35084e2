"""Notifications (design document 004, M5-Notification): list, mark read, mark all read. Signed-in
users only; each sees and changes only their own."""

from __future__ import annotations

from uuid import UUID

from backlot.pagination import Cursor
from fastapi import APIRouter

from styles.deps import PAGE_SIZE, CurrentUser, PageSize
from styles.http_api import API, Success, ok
from styles.schemas import MarkedAllRead, NotificationPage, NotificationPublic

router = APIRouter(tags=["notifications"])


@router.get("/api/notifications", response_model=Success[NotificationPage], responses=API.errors(400, 401))
def list_notifications(user: CurrentUser, unread_only: bool = False, cursor: Cursor = None,
                       limit: PageSize = PAGE_SIZE) -> dict:
    """The caller's notifications, newest first, 20 per page (``next_cursor``), with ``unread_count``;
    ``unread_only=true`` lists only the unread."""
    from styles.notifications import service

    return ok(service.list_page(user_id=user.user_id, unread_only=unread_only, cursor=cursor, limit=limit))


@router.patch("/api/notifications/{notification_id}/read", response_model=Success[NotificationPublic],
              responses=API.errors(401, 404))
def mark_notification_read(notification_id: UUID, user: CurrentUser) -> dict:
    """Mark one of the caller's notifications read; answers it. Another user's is a 404."""
    from styles.notifications import service

    return ok(service.mark_read(user_id=user.user_id, notification_id=notification_id))


@router.post("/api/notifications/mark-all-read", response_model=Success[MarkedAllRead], responses=API.errors(401))
def mark_all_notifications_read(user: CurrentUser) -> dict:
    """Mark every unread notification of the caller read; ``{"updated": n}``."""
    from styles.notifications import service

    return ok({"updated": service.mark_all_read(user_id=user.user_id)})
