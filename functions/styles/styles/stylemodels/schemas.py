"""Request and response bodies of the style model routes (design document 004,
M2-Style-Model-API: StyleListSerializer ``id, name, artist, thumbnail, price, usage_count, tags``;
StyleDetailSerializer "all fields + artworks, tags, is_ready"). Responses are allow-lists."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from backlot.models import PresignedUpload, PublicModel, RequestModel
from pydantic import Field

from styles.stylemodels import rules


class ArtistPublic(PublicModel):
    """The model's artist: ``id``, ``username`` (display name), ``profile_image`` (URL or null)."""

    id: UUID
    username: str | None
    profile_image: str | None


class StyleModelPublic(PublicModel):
    """One style model in a list."""

    id: UUID
    name: str
    description: str
    artist: ArtistPublic
    thumbnail: str | None = Field(description="presigned URL of the first training image's thumbnail (an hour)")
    price: int
    usage_count: int = Field(description="completed generations with this model (popularity)")
    tags: list[str] = Field(description="in the order the artist gave them")
    training_status: Literal["uploading", "queued", "training", "completed", "failed"]
    is_ready: bool
    failure_reason: str | None
    image_count: int
    created_at: datetime


class ArtworkPublic(PublicModel):
    """A training image: presigned URLs of the clean copy (no metadata) and its thumbnail."""

    id: UUID
    position: int
    status: Literal["pending", "ready", "rejected"]
    image_url: str | None
    thumbnail_url: str | None
    width: int | None
    height: int | None


class StyleModelDetail(StyleModelPublic):
    """A style model with its artworks."""

    artworks: list[ArtworkPublic]


class UploadForm(PresignedUpload):
    """The presigned POST of one announced training image (``position`` as announced)."""

    position: int
    key: str


class StyleModelCreated(StyleModelDetail):
    """A created model: its training task (document: "Return style data with task_id") and, for a
    presigned create, one upload form per image."""

    task_id: UUID
    uploads: list[UploadForm] | None = None


class StyleModelPage(PublicModel):
    """A cursor page of models (20 by default, document 004 M2-API-Foundation)."""

    items: list[StyleModelPublic]
    next_cursor: str | None


class ImageAnnouncement(RequestModel):
    """One training image to upload: its type (``image/jpeg`` or ``image/png``) and size in bytes."""

    content_type: Annotated[str, Field(max_length=100)]
    size_bytes: Annotated[int, Field(ge=1)]


class StyleModelUploadRequest(RequestModel):
    """A style model whose images go through presigned uploads (10-100, each at most 10 MB)."""

    name: Annotated[str, Field(min_length=1, max_length=rules.MAX_NAME_LEN)]
    description: Annotated[str, Field(max_length=rules.MAX_DESCRIPTION_LEN)] = ""
    tags: Annotated[list[Annotated[str, Field(max_length=rules.MAX_TAG_LEN)]], Field(max_length=rules.MAX_TAGS)] = []
    price: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    images: Annotated[list[ImageAnnouncement], Field(max_length=rules.MAX_IMAGES + 1)]
