"""The provider's signed webhooks (``POST /api/webhooks/provider/{kind}/{id}``): verify, match, apply.

1. The signature and timestamp (``backlot.webhooks``: Standard Webhooks, constant-time, 5-minute
   window); a delivery that fails is refused (401) and changes nothing.
2. The body is the provider's job (Replicate's training or prediction object); its ``id`` must be
   the job recorded for that model or generation when it was dispatched, else 409
   ``webhook_job_mismatch`` (a delivery for another job, or one that overtook the dispatcher's
   write: the provider retries it).
3. Its status maps to ours (``succeeded`` -> completed, ``failed``/``canceled`` -> failed, else
   training/processing) and goes through ``callbacks`` with the delivery's message id, so a
   replay changes nothing. A completed prediction's image is first copied into our bucket
   (outside any transaction); if that fails for now, 502 and the provider retries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from backlot import webhooks as signing
from backlot.errors import Conflict, DomainError, Forbidden, NotFound, Unauthorized

from styles import callbacks
from styles.errors import Code
from styles.generations import fetch
from styles.gpu_settings import get_gpu_settings
from styles.provider.base import ProviderJob, job_from_json

KINDS = {"models": "training", "images": "prediction"}


class BadGateway(DomainError):
    """502: the provider's image could not be fetched now; the provider retries the webhook."""

    status = 502
    code = Code.provider_unavailable


@dataclass(frozen=True)
class Outcome:
    """``id``, ``status`` now, ``changed``."""

    id: UUID
    status: str
    changed: bool


def training_status_of(job: ProviderJob) -> str:
    """Our training status for the provider's job status."""
    return {"succeeded": "completed", "failed": "failed", "canceled": "failed"}.get(job.status, "training")


def generation_status_of(job: ProviderJob) -> str:
    """Our generation status for the provider's job status."""
    return {"succeeded": "completed", "failed": "failed", "canceled": "failed"}.get(job.status, "processing")


def _failure(job: ProviderJob) -> str:
    return job.error or ("cancelled at the provider" if job.status == "canceled" else "the provider reported a failure")


def handle(kind: str, object_id: UUID, headers: Mapping[str, str], body: bytes) -> Outcome:
    """Verify and apply one delivery (see module doc).

    Raises:
        Forbidden (provider_not_configured): no signing secret is configured.
        Unauthorized (invalid_signature): bad or stale signature.
        NotFound, Conflict (webhook_job_mismatch), BadGateway.
    """
    settings = get_gpu_settings()
    secret = settings.webhook_secret()
    if not secret:
        raise Forbidden("provider webhooks are not configured", code=Code.provider_not_configured)
    try:
        verified = signing.verify(secret, headers, body, tolerance_s=settings.webhook_tolerance_s)
    except signing.WebhookVerificationError as exc:
        raise Unauthorized(f"webhook refused: {exc}", code=Code.invalid_signature) from None
    try:
        data = json.loads(body)
        job = job_from_json(KINDS[kind], data if isinstance(data, dict) else {})
    except (ValueError, KeyError):
        raise Conflict("the webhook body is not a provider job", code=Code.webhook_job_mismatch) from None
    row = callbacks.current(kind, object_id)
    if row is None:
        raise NotFound("no such job", code=Code.not_found)
    if row["provider_job_id"] != job.id:
        raise Conflict("this webhook is for another job", code=Code.webhook_job_mismatch)
    if kind == "models":
        status = training_status_of(job)
        failure = _failure(job) if status == "failed" else None
        if status == "completed" and not job.output:
            status, failure = "failed", "the provider returned no model"
        applied = callbacks.apply_training(object_id, status, model_path=job.output, failure_reason=failure,
                                           message_id=verified.message_id)
    else:
        status = generation_status_of(job)
        image_key = None
        failure = _failure(job) if status == "failed" else None
        if status == "completed" and row["status"] in ("queued", "processing"):
            try:
                if not job.output:
                    raise fetch.ImageRefused("the provider returned no image")
                image_key = fetch.store_output(object_id, job.output)
            except fetch.ImageUnavailable as exc:
                raise BadGateway(str(exc)) from None
            except fetch.ImageRefused as exc:
                status, failure = "failed", str(exc)
        elif status == "completed":
            return Outcome(object_id, row["status"], False)
        applied = callbacks.apply_generation(object_id, status, image_key=image_key, failure_reason=failure,
                                             message_id=verified.message_id)
    assert applied is not None  # noqa: S101 - the row exists (checked above); rows are never deleted
    return Outcome(object_id, applied.status, applied.changed)
