"""``/api/upload`` and ``/api/uploads``: a Letterboxd export comes in and a session starts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from starlette.datastructures import UploadFile

from backlot.errors import BadRequest, PayloadTooLarge

from movies import service
from movies.domain.export import InputFile
from movies.errors import Code
from movies.http_api import API
from movies.schemas import SessionStarted, UploadRequest, UploadStarted
from movies.settings import get_settings

router = APIRouter(prefix="/api")

#: The upload's body, declared for the OpenAPI document (the route reads the form itself, to bound it).
FILES_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"],
    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"},
                             "description": "the export ZIP, or one or more of its CSV files"}},
}}}}}


@router.post("/upload", status_code=status.HTTP_201_CREATED, response_model=SessionStarted,
             responses=API.errors(400, 413, 422), openapi_extra=FILES_BODY)
async def upload(request: Request) -> dict[str, Any]:
    """Multipart field ``files``: one or more Letterboxd CSVs, or the export ZIP.

    Returns ``{"session_id", "status", "total_movies"}`` (document 003).
    """
    limit = get_settings().max_direct_upload_bytes
    declared = request.headers.get("content-length")
    # ASCII digits only ("²" passes isdigit, not int); more than 18 digits is over any limit (and int's)
    if declared and declared.isascii() and declared.isdigit() and (len(declared) > 18 or int(declared) > limit + 64 * 1024):
        raise PayloadTooLarge(f"the upload is over {limit} bytes; use POST /api/uploads for a presigned upload",
                              code=Code.export_too_large)
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise BadRequest("send multipart/form-data with the export in the field 'files'", code=Code.not_multipart,
                         fields=[{"field": "files", "message": "required (multipart/form-data)"}])
    form = await request.form(max_files=2000, max_fields=100)
    files = []
    try:
        for item in form.getlist("files"):
            if not isinstance(item, UploadFile):
                raise BadRequest("'files' must be files, not text fields", code=Code.validation_error,
                                 fields=[{"field": "files", "message": "not a file"}])
            data = await item.read(limit + 1)
            files.append(InputFile(item.filename or "upload.csv", data))
    finally:
        await form.close()
    if not files:
        raise BadRequest("no file in the field 'files'", code=Code.no_files, fields=[{"field": "files", "message": "required"}])
    return service.upload(files)


@router.post("/uploads", status_code=status.HTTP_201_CREATED, response_model=UploadStarted, responses=API.errors(413, 415))
def create_upload(body: UploadRequest) -> dict[str, Any]:
    """A presigned POST for an export too large for ``/api/upload`` (addition to document 003)."""
    return service.request_upload(body.filename, body.content_type, body.size_bytes)
