"""Generations (design document 004, M4): ``POST /api/images/generate`` prices by aspect ratio,
consumes the tokens, records the generation and queues the job; status polling; cancel.

One idempotent flow: in ONE transaction the caller's ``Idempotency-Key`` is claimed
(``styles.idempotency``: a second request with the key waits for the first to commit, then gets
its answer; another body is a 422 ``idempotency_key_reused``), the model is checked, the tokens
are consumed and the generation row written; the answer is stored with them. The
``image_generation`` message is sent after commit; if that send is lost the reconcile job sends it
again (the row stays ``queued`` with no ``enqueued_at``).
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any
from uuid import UUID

from backlot import db, storage
from backlot.auth import Principal
from backlot.errors import BadRequest, Conflict, NotFound

from styles import idempotency, pricing, queueing
from styles.errors import Code
from styles.generations import ledger, repository as repo
from styles.gpu_settings import get_gpu_settings
from styles.members import ensure_member
from styles.stylemodels import repository as models_repo, rules


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
    body = {"style_id": str(style_id), "prompt_tags": prompt_tags, "aspect_ratio": aspect_ratio, "seed": seed}

    def compute(conn: Any) -> dict[str, Any]:
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
            "idempotency_key": idempotency_key,
        })
        made.append((row, model["model_path"]))
        return {"generation_id": str(row["id"]), "status": row["status"], "cost": row["cost"]}

    made: list[tuple[dict[str, Any], str]] = []
    with db.transaction() as conn:
        ensure_member(conn, principal)
        if idempotency_key is None:
            answer = compute(conn)
        else:
            answer, _replayed = idempotency.idempotent(
                conn, user_id=principal.user_id, key=idempotency_key,
                request_hash=idempotency.request_hash("POST /api/images/generate", body), compute=compute)
    for row, lora_path in made:
        send(row, lora_path)
    return answer




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
