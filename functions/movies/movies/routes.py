"""HTTP routes of the movies product (document 003, Tasks 4 and 5, under ``/movies``).

Anonymous: no route needs a token. The session id in the path is the capability — a UUID 4 from
the operating system's CSPRNG (122 random bits), so it cannot be guessed or enumerated; whoever
holds it may read and delete the session. Handlers are thin: parse, call one service function.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status
from starlette.datastructures import UploadFile

from backlot.errors import BadRequest, PayloadTooLarge
from backlot.pagination import DEFAULT_LIMIT, MAX_LIMIT

from movies import service
from movies.domain.export import InputFile
from movies.schemas import UploadRequest
from movies.settings import get_settings

router = APIRouter(prefix="/api")


@router.post("/upload", status_code=status.HTTP_201_CREATED)
async def upload(request: Request) -> dict[str, Any]:
    """Multipart field ``files``: one or more Letterboxd CSVs, or the export ZIP.

    Returns ``{"session_id", "status", "total_movies"}`` (document 003).
    """
    limit = get_settings().max_direct_upload_bytes
    declared = request.headers.get("content-length")
    # ASCII digits only ("²" passes isdigit, not int); more than 18 digits is over any limit (and int's)
    if declared and declared.isascii() and declared.isdigit() and (len(declared) > 18 or int(declared) > limit + 64 * 1024):
        raise PayloadTooLarge(f"the upload is over {limit} bytes; use POST /api/uploads for a presigned upload",
                              code="export_too_large")
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise BadRequest("send multipart/form-data with the export in the field 'files'", code="not_multipart",
                         fields=[{"field": "files", "message": "required (multipart/form-data)"}])
    form = await request.form(max_files=2000, max_fields=100)
    files = []
    try:
        for item in form.getlist("files"):
            if not isinstance(item, UploadFile):
                raise BadRequest("'files' must be files, not text fields", code="validation_error",
                                 fields=[{"field": "files", "message": "not a file"}])
            data = await item.read(limit + 1)
            files.append(InputFile(item.filename or "upload.csv", data))
    finally:
        await form.close()
    if not files:
        raise BadRequest("no file in the field 'files'", code="no_files", fields=[{"field": "files", "message": "required"}])
    return service.upload(files)


@router.post("/uploads", status_code=status.HTTP_201_CREATED)
def request_upload(body: UploadRequest) -> dict[str, Any]:
    """A presigned POST for an export too large for ``/api/upload`` (addition to document 003)."""
    return service.request_upload(body.filename, body.content_type, body.size_bytes)


@router.get("/session/{session_id}/status")
def session_status(session_id: UUID) -> dict[str, Any]:
    return service.status(session_id)


@router.get("/session/{session_id}")
def session(session_id: UUID) -> dict[str, Any]:
    return service.session_details(session_id)


@router.get("/session/{session_id}/movies")
def session_movies(
    session_id: UUID,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return service.list_movies(session_id, cursor, limit)


@router.get("/session/{session_id}/stats")
def session_stats(session_id: UUID) -> dict[str, Any]:
    return service.statistics(session_id)


@router.delete("/session/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_session(session_id: UUID) -> Response:
    service.delete(session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
