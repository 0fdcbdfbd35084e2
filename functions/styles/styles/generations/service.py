"""Generations (design document 004, M4): ``POST /api/images/generate`` prices by aspect ratio,
consumes the tokens, records the generation and queues the job; status polling; cancel.

One idempotent flow: in ONE transaction the caller's ``Idempotency-Key`` is locked (a
transaction-level advisory lock on user and key, so two requests with one key run one after the
other), a generation already made with that key is answered again (same body) or refused (another
body: 422 ``idempotency_key_reused``), the model is checked, the tokens are consumed and the
generation row written. The ``image_generation`` message is sent after commit; if that send is
lost the reconcile job sends it again (the row stays ``queued`` with no ``enqueued_at``).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from typing import Any
from uuid import UUID

from backlot import db, storage
from backlot.auth import Principal
from backlot.errors import BadRequest, Conflict, NotFound

from styles import pricing, queueing
from styles.errors import Code, IdempotencyKeyReused
from styles.generations import ledger, repository as repo
from styles.gpu_settings import get_gpu_settings
from styles.members import ensure_member
from styles.stylemodels import repository as models_repo, rules

MAX_KEY_LEN = 255


def request_hash(body: dict[str, Any]) -> str:
    """sha256 of the request body in canonical JSON (sorted keys): what a key is bound to."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str, separators=(",", ":")).encode()).hexdigest()


def _answer(row: dict[str, Any]) -> dict[str, Any]:
    return {"generation_id": row["id"], "status": row["status"], "cost": row["cost"]}


def generate(principal: Principal, *, style_id: UUID, prompt_tags: list[str], aspect_ratio: str, seed: int | None,
             idempotency_key: str | None) -> dict[str, Any]:
    """Pay for and queue one generation; returns ``{"generation_id", "status", "cost"}``.

    Raises:
        BadRequest: ``invalid_aspect_ratio``, ``validation_error`` (prompt tags, key too long).
        NotFound (model_not_found), Conflict (model_not_ready): the style cannot be used.
        styles.errors.InsufficientTokens (402): nothing is charged nor recorded.
        IdempotencyKeyReused (422): the key was used with another body.
    """
    try:
        cost = pricing.cost_of(aspect_ratio)
    except pricing.UnknownAspectRatio as err:
        raise BadRequest(str(err), code=Code.invalid_aspect_ratio,
                         fields=[{"field": "aspect_ratio", "message": str(err)}]) from None
    try:
        tags = rules.clean_tags(prompt_tags, field="prompt_tags", max_tags=rules.MAX_PROMPT_TAGS)
    except rules.RuleBroken as err:
        raise BadRequest(f"{err.field}: {err.message}", code=err.code,
                         fields=[{"field": err.field, "message": err.message}]) from None
    if not tags:
        raise BadRequest("prompt_tags: at least one tag", fields=[{"field": "prompt_tags", "message": "required"}])
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= MAX_KEY_LEN:
        raise BadRequest("Idempotency-Key is 1 to 255 characters",
                         fields=[{"field": "Idempotency-Key", "message": "1 to 255 characters"}])
    fingerprint = request_hash({"style_id": str(style_id), "prompt_tags": prompt_tags, "aspect_ratio": aspect_ratio,
                                "seed": seed})
    with db.transaction() as conn:
        ensure_member(conn, principal)
        if idempotency_key is not None:
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7))",
                         (f"styles.generate:{principal.user_id}:{idempotency_key}",))
            existing = repo.by_idempotency_key(conn, principal.user_id, idempotency_key)
            if existing is not None:
                if existing["request_hash"] != fingerprint:
                    raise IdempotencyKeyReused("this Idempotency-Key was used with another request body")
                return _answer(existing)
        model = models_repo.get_model(conn, style_id)
        if model is None or model["is_deleted"] or (
                model["training_status"] != "completed" and model["artist_id"] != principal.user_id):
            raise NotFound("no such style model", code=Code.model_not_found,
                           fields=[{"field": "style_id", "message": "no such style model"}])
        if model["training_status"] != "completed":
            raise Conflict("the style model has not finished training", code=Code.model_not_ready,
                           fields=[{"field": "style_id", "message": "not trained yet"}])
        generation_id = uuid.uuid4()
        ledger.charge(conn, user_id=principal.user_id, amount=cost, generation_id=generation_id)
        row = repo.insert(conn, {
            "id": generation_id, "user_id": principal.user_id, "style_model_id": style_id, "prompt_tags": tags,
            "prompt": rules.build_prompt(model["trigger_word"], tags), "aspect_ratio": aspect_ratio,
            "seed": seed if seed is not None else secrets.randbelow(2**32), "cost": cost, "task_id": uuid.uuid4(),
            "idempotency_key": idempotency_key, "request_hash": fingerprint if idempotency_key else None,
        })
    send(row, model["model_path"])
    return _answer(row)


def send(row: dict[str, Any], lora_path: str) -> bool:
    """Send the generation's message (after commit) and record when; False when the send failed."""
    if queueing.send_generation(queueing.generation_message(row, lora_path)):
        with db.transaction() as conn:
            repo.mark_enqueued(conn, row["id"])
        return True
    return False


def image_url(row: dict[str, Any]) -> str | None:
    """A URL to GET the generated image: a presigned URL of our bucket (an hour), or the URL a
    worker reported through the internal webhook."""
    if row["image_key"]:
        return storage.presigned_get(get_gpu_settings().artworks_bucket, row["image_key"])
    return row["image_url"]


def status(principal: Principal, generation_id: UUID) -> dict[str, Any]:
    """``{"generation_id", "status", "image_url", "failure_reason", "cost", "refunded"}`` of the
    caller's own generation.

    Raises:
        NotFound (generation_not_found): absent or another user's.
    """
    with db.transaction() as conn:
        row = repo.get(conn, generation_id)
    if row is None or row["user_id"] != principal.user_id:
        raise NotFound("no such generation", code=Code.generation_not_found)
    return {"generation_id": row["id"], "status": row["status"], "image_url": image_url(row),
            "failure_reason": row["failure_reason"], "cost": row["cost"], "refunded": row["refunded"],
            "aspect_ratio": row["aspect_ratio"], "seed": row["seed"], "prompt_tags": row["prompt_tags"],
            "style_id": row["style_model_id"], "created_at": row["created_at"]}


def cancel(principal: Principal, generation_id: UUID) -> dict[str, Any]:
    """Cancel the caller's queued or running generation and refund its whole cost (nothing was
    delivered: the provider bills us, the user pays only for an image); then ask the provider to
    stop (best effort, after commit).

    Raises:
        NotFound (generation_not_found), Conflict (not_cancellable: already finished).
    """
    with db.transaction() as conn:
        row = repo.finish_unpaid(conn, generation_id, status="cancelled", failure_reason="cancelled by the user",
                                 user_id=principal.user_id)
        if row is None:
            current = repo.get(conn, generation_id)
            if current is None or current["user_id"] != principal.user_id:
                raise NotFound("no such generation", code=Code.generation_not_found)
            raise Conflict(f"the generation is already {current['status']}", code=Code.not_cancellable)
        ledger.refund(conn, user_id=row["user_id"], amount=row["cost"], generation_id=row["id"],
                      reason="generation_cancelled")
    if row["provider_job_id"]:
        _cancel_at_provider(row["provider_job_id"])
    return {"generation_id": row["id"], "status": row["status"], "refunded": row["cost"]}


def _cancel_at_provider(job_id: str) -> None:
    from backlot.observability import logger

    from styles.provider.base import ProviderJobNotFound, ProviderUnavailable
    from styles.provider.factory import get_provider

    try:
        get_provider().cancel("prediction", job_id)
    except (ProviderUnavailable, ProviderJobNotFound):
        logger.warning("could not cancel provider job %s", job_id)
