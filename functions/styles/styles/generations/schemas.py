"""Request and response bodies of the generation routes (design document 004, M4; issue 12
"Interfaces other work relies on")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from backlot.models import PublicModel, RequestModel
from pydantic import Field

from styles import pricing
from styles.stylemodels import rules

AspectRatio = Literal["1:1", "4:3", "3:4", "3:2", "2:3", "16:9", "9:16"]
assert set(AspectRatio.__args__) == set(pricing.ASPECT_RATIOS)  # noqa: S101 - one list, checked at import


class GenerateRequest(RequestModel):
    """``style_id``, ``prompt_tags`` (1-20 tags, in order), ``aspect_ratio`` (prices the image:
    ``styles.pricing``), optional ``seed`` (0..2^32-1; random when absent)."""

    style_id: UUID
    prompt_tags: Annotated[list[Annotated[str, Field(min_length=1, max_length=rules.MAX_TAG_LEN)]],
                           Field(min_length=1, max_length=rules.MAX_PROMPT_TAGS)]
    aspect_ratio: AspectRatio = "1:1"
    seed: Annotated[int, Field(ge=0, le=4294967295)] | None = None


class GenerationQueued(PublicModel):
    """``{"generation_id", "status": "queued", "cost"}`` (tokens)."""

    generation_id: UUID
    status: Literal["queued", "processing", "completed", "failed", "cancelled"]
    cost: int


class GenerationStatus(PublicModel):
    """``{"status", "image_url", "failure_reason"}`` and what else a client shows."""

    generation_id: UUID
    status: Literal["queued", "processing", "completed", "failed", "cancelled"]
    image_url: str | None = Field(description="presigned URL of the image (an hour) once completed")
    failure_reason: str | None
    cost: int
    refunded: int = Field(description="tokens given back (failed or cancelled)")
    aspect_ratio: str
    seed: int
    prompt_tags: list[str]
    style_id: UUID
    created_at: datetime


class GenerationCancelled(PublicModel):
    """A cancelled generation and the tokens given back."""

    generation_id: UUID
    status: Literal["cancelled"]
    refunded: int
