"""``/api/notifications/``: the caller's in-app feed (issue 11; document 001 known limitation 6):
list (``?unread=true``), mark one read, mark all read. Each route is its own function
(``wellness.handlers``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit, links

from wellness.http_api import API
from wellness.notifications import feed
from wellness.schemas.notifications import NotificationPage, NotificationPublic, ReadAll

router = APIRouter(prefix="/api/notifications")


@router.get("/", response_model=NotificationPage, responses=API.errors(400, 401))
def list_notifications(request: Request, unread: bool | None = None, cursor: Cursor = None,
                       limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's notifications, newest first; ``unread=true`` only the unread ones (``false``: the read ones)."""
    items, nxt, prev = feed.list_page(who, unread, cursor, limit)
    return {**links(request, nxt, prev), "results": items}


@router.post("/read_all/", response_model=ReadAll, responses=API.errors(401))
def read_all_notifications(who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Mark every unread notification of the caller read (again: ``marked`` 0)."""
    return {"marked": feed.mark_all_read(who)}


@router.post("/{notification_id}/read/", response_model=NotificationPublic, responses=API.errors(401, 404))
def read_notification(notification_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Mark one notification read (again: unchanged, its first ``read_at`` kept)."""
    return feed.mark_read(who, notification_id)
