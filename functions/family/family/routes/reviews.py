"""``/api/v1/experiences/{id}/reviews/``: reflect (document 000, section 4, endpoints 6-7)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status

from backlot.auth import Principal
from backlot.http import CurrentPrincipal, Cursor, Limit
from backlot.pagination import DEFAULT_LIMIT

from family import service
from family.schemas import ReviewCreate

router = APIRouter(prefix="/api/v1")


@router.post("/experiences/{experience_id}/reviews/", status_code=status.HTTP_201_CREATED)
def create_review(experience_id: UUID, body: ReviewCreate, response: Response, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    review, created = service.create_review(who, experience_id, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return review


@router.get("/experiences/{experience_id}/reviews/")
def list_reviews(experience_id: UUID, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.list_reviews(who, experience_id, cursor, limit)
