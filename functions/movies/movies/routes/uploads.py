"""``/api/upload`` and ``/api/uploads``: a Letterboxd export comes in and a session starts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from starlette.datastructures import UploadFile

from backlot.errors import BadRequest, PayloadTooLarge

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
def create_upload(body: UploadRequest) -> dict[str, Any]:
    """A presigned POST for an export too large for ``/api/upload`` (addition to document 003)."""
    return service.request_upload(body.filename, body.content_type, body.size_bytes)
