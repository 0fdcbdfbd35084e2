"""``/api/social/visits/``: friend visits, temporary device connections (document 001 "Social
App"; issue 11 item 7).
Each route is its own function (``wellness.handlers``); the social routes are one module per
resource, so a function imports (and FastAPI builds) only its resource's routes."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi import status as http

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit, links

from wellness.http_api import API
from wellness.schemas.social import VisitAccept, VisitCreate, VisitPage, VisitPublic, VisitStatus
from wellness.social import visits

router = APIRouter(prefix="/api/social")


@router.get("/visits/", response_model=VisitPage, responses=API.errors(400, 401))
def list_visits(request: Request, status: VisitStatus | None = None, cursor: Cursor = None,
                limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's visits as host or guest, newest first; ``status`` (``expired``: past ``ends_at``)."""
    items, nxt, prev = visits.list_visits(who, status.value if status else None, cursor, limit)
    return {**links(request, nxt, prev), "results": items}


@router.post("/visits/", status_code=http.HTTP_201_CREATED, response_model=VisitPublic, responses=API.errors(400, 401, 429))
def create_visit(body: VisitCreate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Invite a friend's device to a visit from one of the caller's devices until ``ends_at``; 429
    (``Retry-After``) past the caller's proposals per hour or day."""
    return visits.create(who, body)


@router.post("/visits/{visit_id}/accept/", response_model=VisitPublic, responses=API.errors(400, 401, 403, 404, 409))
def accept_visit(visit_id: UUID, body: VisitAccept, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The invited friend agrees with one of their devices: the visit is active until ``ends_at``."""
    return visits.accept(who, visit_id, body.device_id)


@router.post("/visits/{visit_id}/end/", response_model=VisitPublic, responses=API.errors(401, 404))
def end_visit(visit_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Either user ends the visit now (or withdraws / declines a pending one)."""
    return visits.end(who, visit_id)
