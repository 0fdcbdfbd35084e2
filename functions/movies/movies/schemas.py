"""Request bodies of the movies API (design document 003). The upload itself is multipart form
data (field ``files``), read in ``routes``; only the presigned-upload request has a JSON body."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class UploadRequest(BaseModel):
    """``POST /api/uploads`` (addition to document 003): ask for a presigned POST of one export.

    ``content_type`` is what the POST will declare (the policy pins it): ``application/zip`` for the
    ZIP Letterboxd sends, or ``text/csv``; ``size_bytes`` bounds the upload (the policy's
    ``content-length-range``).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    filename: str | None = Field(default=None, max_length=255)
    content_type: str = Field(default="application/zip", max_length=100)
    size_bytes: int = Field(gt=0)
