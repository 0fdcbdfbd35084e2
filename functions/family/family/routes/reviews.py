"""``/api/v1/experiences/{id}/reviews/``: reflect (document 000, section 4, endpoints 6-7)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit

from family import service
from family.http_api import problems
from family.schemas import ReviewCreate, ReviewPage, ReviewPublic

router = APIRouter(prefix="/api/v1")


@router.post("/experiences/{experience_id}/reviews/", status_code=status.HTTP_201_CREATED, response_model=ReviewPublic,
             responses={200: {"model": ReviewPublic, "description": "the same review again: the existing one"}}
             | problems({
                 400: "`household_mismatch` / `experience_mismatch`: the body's ids contradict the path; the "
                      "merry moment's `unknown_participants` (not members) or `unknown_media`",
                 404: "`experience_not_found`: not an experience of one of the caller's households",
                 409: "`review_exists`: the caller reviewed this experience already, differently; "
                      "`members_changed`: the household's members changed during the request (retry)",
             }))
def create_review(experience_id: UUID, body: ReviewCreate, response: Response, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    review, created = service.create_review(who, experience_id, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return review


@router.get("/experiences/{experience_id}/reviews/", response_model=ReviewPage, responses=problems({
    400: "`invalid_cursor`: the cursor was not made by this API",
    404: "`experience_not_found`: not an experience of one of the caller's households",
}))
def list_reviews(experience_id: UUID, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.list_reviews(who, experience_id, cursor, limit)
