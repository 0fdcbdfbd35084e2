"""``/api/v1/merry-moments/``: moments worth keeping (document 000, section 4, endpoints 8-10)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, status

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit

from family import service
from family.http_api import API
from family.schemas import MerryMomentCreate, MerryMomentPage, MerryMomentPublic

router = APIRouter(prefix="/api/v1")


@router.post("/merry-moments/", status_code=status.HTTP_201_CREATED, response_model=MerryMomentPublic,
             responses=API.errors(400, 404))
def create_merry_moment(body: MerryMomentCreate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.create_moment(who, body)


@router.get("/merry-moments/", response_model=MerryMomentPage, responses=API.errors(400))
def list_merry_moments(
    household_id: UUID | None = None, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal
) -> dict[str, Any]:
    return service.list_moments(who, household_id, cursor, limit)


@router.get("/merry-moments/{moment_id}/", response_model=MerryMomentPublic, responses=API.errors(404))
def get_merry_moment(moment_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.get_moment(who, moment_id)
