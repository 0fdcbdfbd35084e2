"""``/api/images``: generation (design document 004, M4): generate, poll, cancel.

``PATCH /api/images/{id}/status`` (the worker's webhook) is in ``routes.webhooks``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from fastapi import APIRouter, status

from styles.generations import service
from styles.generations.schemas import GenerateRequest, GenerationCancelled, GenerationQueued, GenerationStatus
from styles.http_api import API, Success, ok
from styles.idempotency import IdempotencyKey

router = APIRouter(prefix="/api/images", tags=["images"])


@router.post("/generate", status_code=status.HTTP_201_CREATED, response_model=Success[GenerationQueued],
             responses=API.errors(400, 402, 404, 409))
def generate_image(body: GenerateRequest, idempotency_key: IdempotencyKey = None,
                   who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Pay for one image in a style and queue it (``Idempotency-Key`` makes a retry safe).

    Raises:
        402 insufficient_tokens, 404 model_not_found, 409 model_not_ready, 422 idempotency_key_reused.
    """
    return ok(service.generate(who, style_id=body.style_id, prompt_tags=body.prompt_tags,
                               aspect_ratio=body.aspect_ratio, seed=body.seed, idempotency_key=idempotency_key))


@router.get("/{generation_id}/status", response_model=Success[GenerationStatus], responses=API.errors(404))
def get_image_status(generation_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's generation: status, image URL once completed, failure reason (polling)."""
    return ok(service.status(who, generation_id))


@router.post("/{generation_id}/cancel", response_model=Success[GenerationCancelled], responses=API.errors(404, 409))
def cancel_image(generation_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Cancel a queued or running generation; its tokens come back (addition to the document)."""
    return ok(service.cancel(who, generation_id))
