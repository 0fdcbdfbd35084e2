"""``/api/v1/experiences/{id}/reviews/``: reflect (document 000, section 4, endpoints 6-7)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit

from family import service
from family.http_api import API
from family.schemas import ReviewCreate, ReviewPage, ReviewPublic

router = APIRouter(prefix="/api/v1")


@router.post("/experiences/{experience_id}/reviews/", status_code=status.HTTP_201_CREATED, response_model=ReviewPublic,
             responses={200: {"model": ReviewPublic, "description": "the same review again: the existing one"}}
             | API.errors(400, 404, 409))
def create_review(experience_id: UUID, body: ReviewCreate, response: Response, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    review, created = service.create_review(who, experience_id, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return review


@router.get("/experiences/{experience_id}/reviews/", response_model=ReviewPage, responses=API.errors(400, 404))
def list_reviews(experience_id: UUID, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.list_reviews(who, experience_id, cursor, limit)
