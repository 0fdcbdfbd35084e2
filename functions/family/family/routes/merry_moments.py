"""``/api/v1/merry-moments/``: moments worth keeping (document 000, section 4, endpoints 8-10)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, status

from backlot.auth import Principal
from backlot.http import CurrentPrincipal, Cursor, Limit
from backlot.pagination import DEFAULT_LIMIT

from family import service
from family.schemas import MerryMomentCreate

router = APIRouter(prefix="/api/v1")


@router.post("/merry-moments/", status_code=status.HTTP_201_CREATED)
def create_merry_moment(body: MerryMomentCreate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.create_moment(who, body)


@router.get("/merry-moments/")
def list_merry_moments(
    household_id: UUID | None = None, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal
) -> dict[str, Any]:
    return service.list_moments(who, household_id, cursor, limit)


@router.get("/merry-moments/{moment_id}/")
def get_merry_moment(moment_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.get_moment(who, moment_id)
