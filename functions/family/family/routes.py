"""HTTP routes of the family product (document 000, section 4, under ``/family``).

Handlers are thin: parse and validate, call one service function, shape the response.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status
from pydantic import AfterValidator

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, MAX_LIMIT

from family import service
from family.domain import learning
from family.domain.catalog import DAYS_OF_WEEK, TIMES_OF_DAY, WEATHERS
from family.schemas import (
    ExperienceCreate,
    ExperienceStatus,
    ExperienceUpdate,
    HouseholdCreate,
    MediaStatus,
    MediaUploadRequest,
    MemberAdd,
    MerryMomentCreate,
    ReviewCreate,
    no_nul,
)

router = APIRouter(prefix="/api/v1")
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=200)]


@router.get("/me/")
def me(who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's user id (what others pass to add them to a household) and groups."""
    return {"user_id": who.user_id, "email": who.email, "groups": sorted(who.groups)}


# ---------------------------------------------------------------- households
@router.post("/households/", status_code=status.HTTP_201_CREATED)
def create_household(body: HouseholdCreate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.create_household(who, body)


@router.get("/households/")
def list_households(who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.list_households(who)


@router.post("/households/{household_id}/members/", status_code=status.HTTP_201_CREATED)
def add_member(household_id: UUID, body: MemberAdd, response: Response, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    member, created = service.add_member(who, household_id, body.user_id)
    if not created:
        response.status_code = status.HTTP_200_OK
    return member


@router.delete("/households/{household_id}/members/{user_id}/", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(household_id: UUID, user_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    service.remove_member(who, household_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- experiences (1-5)
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


# ---------------------------------------------------------------- reviews (6-7)
@router.post("/experiences/{experience_id}/reviews/", status_code=status.HTTP_201_CREATED)
def create_review(experience_id: UUID, body: ReviewCreate, response: Response, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    review, created = service.create_review(who, experience_id, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return review


@router.get("/experiences/{experience_id}/reviews/")
def list_reviews(experience_id: UUID, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.list_reviews(who, experience_id, cursor, limit)


# ---------------------------------------------------------------- merry moments (8-10)
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


# ---------------------------------------------------------------- media (11 + additions)
@router.post("/media/upload/", status_code=status.HTTP_201_CREATED)
def upload_media(
    file: Annotated[UploadFile, File()],
    household_id: Annotated[UUID, Form()],
    merry_moment_id: Annotated[UUID | None, Form()] = None,
    experience_id: Annotated[UUID | None, Form()] = None,
    caption: Annotated[str | None, Form(max_length=2000), AfterValidator(no_nul)] = None,
    who: Principal = CurrentPrincipal,
) -> dict[str, Any]:
    data = file.file.read()
    return service.upload_media(
        who,
        household_id=household_id,
        data=data,
        declared_type=file.content_type,
        merry_moment_id=merry_moment_id,
        experience_id=experience_id,
        caption=caption,
    )


@router.post("/media/uploads/", status_code=status.HTTP_201_CREATED)
def request_media_upload(body: MediaUploadRequest, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.request_upload(who, body)


@router.get("/media/")
def list_media(
    household_id: UUID,
    merry_moment_id: UUID | None = None,
    experience_id: UUID | None = None,
    status: MediaStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
    who: Principal = CurrentPrincipal,
) -> dict[str, Any]:
    """The household's media, newest first (addition): ``{"media": [...], "next_cursor": ...}``."""
    return service.list_media(who, household_id, merry_moment_id=merry_moment_id, experience_id=experience_id,
                              status=status.value if status else None, cursor=cursor, limit=limit)


@router.get("/media/{media_id}/")
def get_media(media_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.get_media(who, media_id)


@router.delete("/media/{media_id}/", status_code=status.HTTP_204_NO_CONTENT)
def delete_media(media_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    """Delete the item, its row and all its files (addition); 404 if not in the caller's households."""
    service.delete_media(who, media_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- suggestions (section 6)
@router.get("/suggestions/")
def list_suggestions(
    household_id: UUID,
    weather: Annotated[str | None, Query(pattern="^(" + "|".join(WEATHERS) + ")$")] = None,
    time_of_day: Annotated[str | None, Query(pattern="^(" + "|".join(TIMES_OF_DAY) + ")$")] = None,
    day_of_week: Annotated[str | None, Query(pattern="^(" + "|".join(DAYS_OF_WEEK) + ")$")] = None,
    participant_count: Annotated[int | None, Query(ge=1, le=100)] = None,
    tags: Annotated[list[str], Query(max_length=20)] = [],  # noqa: B006 - FastAPI copies defaults
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    who: Principal = CurrentPrincipal,
) -> dict[str, Any]:
    """Ranked suggestions for ``household_id`` in the given context, each with ``why``."""
    flat_tags = tuple(t.strip().lower() for chunk in tags for t in chunk.split(",") if t.strip())
    context = learning.Context(weather, time_of_day, day_of_week, participant_count, flat_tags)
    return service.suggestions(who, household_id, context, limit)
