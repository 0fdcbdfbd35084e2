"""``/api/songs/``: the catalogue, its features CSV import and audio uploads."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, status

from backlot.auth import Principal
from backlot.errors import BadRequest
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit

from music import service
from music.deps import Person
from music.errors import Code
from music.http_api import API
from music.schemas import ImportResult, SongCreate, SongPage, SongPublic, SongStatus, SongUpdate, SongUploadPublic, SongUploadRequest

router = APIRouter(prefix="/api")

#: The import's body: a features CSV (``music.domain.features``), declared for the OpenAPI document.
CSV_BODY = {"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}}


@router.post("/songs/", status_code=status.HTTP_201_CREATED, response_model=SongPublic, responses=API.errors(403))
def create_song(body: SongCreate, who: Principal = Person) -> dict[str, Any]:
    """Managers and admins: a song (audio comes by upload)."""
    return service.create_song(who, body)


@router.get("/songs/", response_model=SongPage, responses=API.errors(400))
def list_songs(
    status_: Annotated[SongStatus | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
    who: Principal = Person,
) -> dict[str, Any]:
    """Songs, newest first (listeners: ready ones), keyset-paged."""
    return service.list_songs(who, status_, cursor, limit)


@router.post("/songs/import/", status_code=status.HTTP_200_OK, response_model=ImportResult,
             responses=API.errors(400, 403, 413), openapi_extra=CSV_BODY)
async def import_song_features(request: Request, who: Principal = Person) -> dict[str, Any]:
    """Body: a features CSV (``text/csv``, UTF-8), see ``music.domain.features``; all or nothing."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("the CSV must be UTF-8", code=Code.invalid_csv) from exc
    return service.import_features(who, text)


@router.get("/songs/{song_id}/", response_model=SongPublic, responses=API.errors(404))
def get_song(song_id: UUID, who: Principal = Person) -> dict[str, Any]:
    """One song."""
    return service.get_song(who, song_id)


@router.patch("/songs/{song_id}/", response_model=SongPublic, responses=API.errors(400, 403, 404))
def update_song(song_id: UUID, body: SongUpdate, who: Principal = Person) -> dict[str, Any]:
    """Managers and admins: change a song."""
    return service.update_song(who, song_id, body)


@router.post("/songs/{song_id}/upload/", status_code=status.HTTP_201_CREATED, response_model=SongUploadPublic,
             responses=API.errors(403, 404, 409, 413))
def create_song_upload(song_id: UUID, body: SongUploadRequest, who: Principal = Person) -> dict[str, Any]:
    """Managers and admins: a presigned POST for the song's audio."""
    return service.request_upload(who, song_id, body)
