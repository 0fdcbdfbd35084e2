"""``/api/v1/merry-moments/``: moments worth keeping (document 000, section 4, endpoints 8-10)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, status

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit

from family import service
from family.http_api import problems
from family.schemas import MerryMomentCreate, MerryMomentPage, MerryMomentPublic

router = APIRouter(prefix="/api/v1")

CUR = "`invalid_cursor`: the cursor was not made by this API"
HH = "`household_not_found`: no such household among the caller's"
RACE = "`members_changed`: the household's members changed during the request (retry)"


@router.post("/merry-moments/", status_code=status.HTTP_201_CREATED, response_model=MerryMomentPublic,
             responses=problems({
                 400: "`unknown_experience`: `experience_id` is not an experience of the household; `unknown_media`: "
                      "`media_ids` names media of another household; `unknown_participants`: `participant_ids` "
                      "that are not members",
                 404: HH, 409: RACE,
             }))
def create_merry_moment(body: MerryMomentCreate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.create_moment(who, body)


@router.get("/merry-moments/", response_model=MerryMomentPage, responses=problems({400: CUR}))
def list_merry_moments(
    household_id: UUID | None = None, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal
) -> dict[str, Any]:
    return service.list_moments(who, household_id, cursor, limit)


@router.get("/merry-moments/{moment_id}/", response_model=MerryMomentPublic,
            responses=problems({404: "`moment_not_found`: not a moment of one of the caller's households"}))
def get_merry_moment(moment_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.get_moment(who, moment_id)
