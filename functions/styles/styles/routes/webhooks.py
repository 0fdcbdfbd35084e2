"""Job status webhooks (design document 004, M4-AI-Integration), no user token (``Auth: NONE``):

* ``PATCH /api/models/{id}/status`` and ``PATCH /api/images/{id}/status``: a worker reports a
  status with the document's internal token (header ``X-Internal-Token``, compared with
  ``hmac.compare_digest``; document: "Return 403 if invalid"). Bodies: ``{"status":
  "training"|"completed"|"failed", "model_path", "failure_reason", "task_id"?}`` and ``{"status":
  "processing"|"completed"|"failed", "image_url", "failure_reason", "task_id"?}``; a ``task_id``
  that is not the job's is a 409.
* ``POST /api/webhooks/provider/{kind}/{id}``: the hosted provider's signed callback
  (``styles.provider_callbacks``).

Every answer says whether the call changed anything: a duplicate or out-of-order report is a 200
with ``changed: false``.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any, Literal
from uuid import UUID

from backlot.errors import BadRequest, Conflict, Forbidden, NotFound
from backlot.models import PublicModel, RequestModel
from fastapi import APIRouter, Header, Request
from pydantic import Field

from styles import callbacks, provider_callbacks
from styles.errors import Code
from styles.gpu_settings import get_gpu_settings
from styles.http_api import API, Success, ok

router = APIRouter(prefix="/api", tags=["webhooks"])

InternalToken = Annotated[str | None, Header(alias="X-Internal-Token", max_length=500,
                                             description="the internal API token (workers only)")]


class TrainingReport(RequestModel):
    """A worker's training status report."""

    status: Literal["training", "completed", "failed"]
    model_path: Annotated[str, Field(max_length=500)] | None = None
    failure_reason: Annotated[str, Field(max_length=2000)] | None = None
    task_id: UUID | None = None


class GenerationReport(RequestModel):
    """A worker's generation status report."""

    status: Literal["processing", "completed", "failed"]
    image_url: Annotated[str, Field(max_length=2000)] | None = None
    failure_reason: Annotated[str, Field(max_length=2000)] | None = None
    task_id: UUID | None = None


class StatusChange(PublicModel):
    """What a report did: the job's ``status`` now and whether it ``changed``."""

    id: UUID
    status: str
    changed: bool


def _check_internal_token(given: str | None) -> None:
    expected = get_gpu_settings().internal_token()
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Forbidden("invalid internal token", code=Code.invalid_internal_token)


def _check_task(row: dict[str, Any] | None, task_id: UUID | None) -> dict[str, Any]:
    if row is None:
        raise NotFound("no such job", code=Code.not_found)
    if task_id is not None and row["task_id"] != task_id:
        raise Conflict("this report is for another task", code=Code.webhook_job_mismatch)
    return row


@router.patch("/models/{model_id}/status", response_model=Success[StatusChange], responses=API.errors(400, 403, 404, 409))
def update_model_status(model_id: UUID, body: TrainingReport, x_internal_token: InternalToken = None) -> dict[str, Any]:
    """Move a model's training status (worker webhook; internal token)."""
    _check_internal_token(x_internal_token)
    _check_task(callbacks.current("models", model_id), body.task_id)
    try:
        applied = callbacks.apply_training(model_id, body.status, model_path=body.model_path,
                                           failure_reason=body.failure_reason)
    except ValueError as exc:
        raise BadRequest(str(exc), fields=[{"field": "model_path", "message": str(exc)}]) from None
    if applied is None:
        raise NotFound("no such style model", code=Code.model_not_found)
    return ok({"id": model_id, "status": applied.status, "changed": applied.changed})


@router.patch("/images/{generation_id}/status", response_model=Success[StatusChange],
              responses=API.errors(400, 403, 404, 409))
def update_image_status(generation_id: UUID, body: GenerationReport,
                        x_internal_token: InternalToken = None) -> dict[str, Any]:
    """Move a generation's status (worker webhook; internal token); a failure refunds once."""
    _check_internal_token(x_internal_token)
    _check_task(callbacks.current("images", generation_id), body.task_id)
    try:
        applied = callbacks.apply_generation(generation_id, body.status, image_url=body.image_url,
                                             failure_reason=body.failure_reason)
    except ValueError as exc:
        raise BadRequest(str(exc), fields=[{"field": "image_url", "message": str(exc)}]) from None
    if applied is None:
        raise NotFound("no such generation", code=Code.generation_not_found)
    return ok({"id": generation_id, "status": applied.status, "changed": applied.changed})


@router.post("/webhooks/provider/{kind}/{object_id}", response_model=Success[StatusChange],
             responses=API.errors(401, 403, 404, 409, 502))
async def provider_webhook(kind: Literal["models", "images"], object_id: UUID, request: Request) -> dict[str, Any]:
    """The GPU provider's signed callback (Standard Webhooks headers ``webhook-id``,
    ``webhook-timestamp``, ``webhook-signature``); body: the provider's job."""
    body = await request.body()
    outcome = provider_callbacks.handle(kind, object_id, dict(request.headers), body)
    return ok({"id": outcome.id, "status": outcome.status, "changed": outcome.changed})
