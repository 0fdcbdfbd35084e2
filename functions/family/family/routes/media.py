"""``/api/v1/media/``: photos and videos (document 000, section 4, endpoint 11, and additions).

Only the multipart upload needs python-multipart (FastAPI checks for it when the route is
defined); the bytes are processed by the media processor, never here.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, File, Form, Response, UploadFile, status
from pydantic import AfterValidator

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from backlot.models import NO_NUL_PATTERN
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit

from family import service
from family.http_api import problems
from family.schemas import MediaPage, MediaPublic, MediaStatus, MediaUploadPublic, MediaUploadRequest, no_nul

router = APIRouter(prefix="/api/v1")

CUR = "`invalid_cursor`: the cursor was not made by this API"
HH = "`household_not_found`: no such household among the caller's"
LINKS = ("`unknown_moment`: `merry_moment_id` is not a moment of the household; `unknown_experience`: "
         "`experience_id` is not an experience of the household")
TOO_LARGE = "`file_too_large`: over the size this route accepts"
NOT_AN_IMAGE = "`not_an_image`: not an image (or, for presigned uploads, an MP4 or QuickTime video)"
NO_MEDIA = "`media_not_found`: not a media item of one of the caller's households"


@router.post("/media/upload/", status_code=status.HTTP_201_CREATED, response_model=MediaPublic,
             responses=problems({400: f"`empty_file`; {LINKS}", 404: HH, 413: TOO_LARGE, 415: NOT_AN_IMAGE}))
def upload_media(
    file: Annotated[UploadFile, File()],
    household_id: Annotated[UUID, Form()],
    merry_moment_id: Annotated[UUID, Form()] = None,  # type: ignore[assignment] - optional, not null: a form has no null
    experience_id: Annotated[UUID, Form()] = None,  # type: ignore[assignment]
    caption: Annotated[str, Form(max_length=2000, pattern=NO_NUL_PATTERN), AfterValidator(no_nul)] = None,  # type: ignore[assignment]
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


@router.post("/media/uploads/", status_code=status.HTTP_201_CREATED, response_model=MediaUploadPublic,
             responses=problems({400: LINKS, 404: HH, 413: TOO_LARGE, 415: NOT_AN_IMAGE}))
def create_media_upload(body: MediaUploadRequest, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.request_upload(who, body)


@router.get("/media/", response_model=MediaPage, responses=problems({400: CUR, 404: HH}))
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


@router.get("/media/{media_id}/", response_model=MediaPublic, responses=problems({404: NO_MEDIA}))
def get_media(media_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.get_media(who, media_id)


@router.delete("/media/{media_id}/", status_code=status.HTTP_204_NO_CONTENT, responses=problems({404: NO_MEDIA}))
def delete_media(media_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    """Delete the item, its row and all its files (addition); 404 if not in the caller's households."""
    service.delete_media(who, media_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
