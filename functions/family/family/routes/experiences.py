"""``/api/v1/experiences/``: plan and do (document 000, section 4, endpoints 1-5)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status

from backlot.auth import Principal
from backlot.http import CurrentPrincipal, Cursor, Limit
from backlot.pagination import DEFAULT_LIMIT

from family import service
from family.schemas import ExperienceCreate, ExperienceStatus, ExperienceUpdate

router = APIRouter(prefix="/api/v1")


@router.post("/experiences/", status_code=status.HTTP_201_CREATED)
def create_experience(body: ExperienceCreate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.create_experience(who, body)


@router.get("/experiences/")
def list_experiences(
    household_id: UUID | None = None,
    status: ExperienceStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
    who: Principal = CurrentPrincipal,
) -> dict[str, Any]:
    return service.list_experiences(who, household_id, status.value if status else None, cursor, limit)


@router.get("/experiences/{experience_id}/")
def get_experience(experience_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.get_experience(who, experience_id)


@router.patch("/experiences/{experience_id}/")
def update_experience(experience_id: UUID, body: ExperienceUpdate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.update_experience(who, experience_id, body)


@router.delete("/experiences/{experience_id}/", status_code=status.HTTP_204_NO_CONTENT)
def delete_experience(experience_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    service.delete_experience(who, experience_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
