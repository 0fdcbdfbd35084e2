"""``/api/v1/experiences/``: plan and do (document 000, section 4, endpoints 1-5)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit

from family import service
from family.http_api import problems
from family.schemas import ExperienceCreate, ExperiencePage, ExperiencePublic, ExperienceStatus, ExperienceUpdate

router = APIRouter(prefix="/api/v1")

CUR = "`invalid_cursor`: the cursor was not made by this API"
HH = "`household_not_found`: no such household among the caller's"
RACE = "`members_changed`: the household's members changed during the request (retry)"
NO_EXPERIENCE = "`experience_not_found`: not an experience of one of the caller's households"


@router.post("/experiences/", status_code=status.HTTP_201_CREATED, response_model=ExperiencePublic,
             responses=problems({
                 400: "`validation_error`: `end_at` before `start_at`; `unknown_participants`: `participant_ids` "
                      "that are not members of the household",
                 404: HH, 409: RACE,
             }))
def create_experience(body: ExperienceCreate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.create_experience(who, body)


@router.get("/experiences/", response_model=ExperiencePage, responses=problems({400: CUR}))
def list_experiences(
    household_id: UUID | None = None,
    status: ExperienceStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
    who: Principal = CurrentPrincipal,
) -> dict[str, Any]:
    return service.list_experiences(who, household_id, status.value if status else None, cursor, limit)


@router.get("/experiences/{experience_id}/", response_model=ExperiencePublic, responses=problems({404: NO_EXPERIENCE}))
def get_experience(experience_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.get_experience(who, experience_id)


@router.patch("/experiences/{experience_id}/", response_model=ExperiencePublic, responses=problems({
    400: "`validation_error`: `end_at` before `start_at` (as stored or as sent); `unknown_participants`: "
         "`participant_ids` that are not members of the household",
    404: NO_EXPERIENCE, 409: RACE,
}))
def update_experience(experience_id: UUID, body: ExperienceUpdate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.update_experience(who, experience_id, body)


@router.delete("/experiences/{experience_id}/", status_code=status.HTTP_204_NO_CONTENT, responses=problems({404: NO_EXPERIENCE}))
def delete_experience(experience_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    service.delete_experience(who, experience_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
