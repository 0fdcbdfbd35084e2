"""The reconcile job (every 5 minutes): jobs whose message or callback was lost.

* ``queued`` longer than ``requeue_after_s`` since the last send (or never sent): the message is
  sent again (same ``task_id``; a dispatcher that already took it skips it). A job still queued
  ``max_queued_s`` after it was made fails (the provider never took it; a generation is refunded).
* ``training`` / ``processing`` longer than the deadline since dispatch: the provider is asked
  (``GET`` the job); a finished job is applied as its webhook would have been (a completed image is
  copied first); one still running past twice the deadline is cancelled at the provider and
  failed (refunded).
* ``uploading`` models whose presigned forms expired more than an hour ago fail ("uploads never
  completed").
* Webhook message ids older than a day are forgotten (the replay window is 5 minutes).

Every change goes through the same guarded transitions as the webhooks, so a callback arriving
while this runs is applied once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from backlot import db
from backlot.observability import logger

from styles import callbacks, queueing
from styles.generations import fetch, repository as gen_repo, service as gen_service
from styles.gpu_settings import get_gpu_settings
from styles.provider.base import ProviderJobNotFound, ProviderUnavailable
from styles.provider.factory import get_provider
from styles.provider_callbacks import generation_status_of, training_status_of
from styles.stylemodels import repository as model_repo


def _age(ts: datetime | None) -> float:
    return (datetime.now(UTC) - ts).total_seconds() if ts else float("inf")


def _reconcile_model(row: dict[str, Any], counts: dict[str, int]) -> None:
    settings = get_gpu_settings()
    deadline = settings.training_deadline_s
    if row["training_status"] == "queued":
        with db.transaction() as conn:
            model = model_repo.get_model(conn, row["id"])
            keys = [i["image_key"] for i in model_repo.training_images(conn, row["id"])]
        if _age(model["created_at"]) > settings.max_queued_s:
            callbacks.apply_training(row["id"], "failed", failure_reason="the training never started")
            counts["failed"] += 1
        elif queueing.send_training(queueing.training_message(model, keys)):
            with db.transaction() as conn:
                model_repo.mark_enqueued(conn, row["id"])
            counts["resent"] += 1
        return
    try:
        job = get_provider().get("training", row["provider_job_id"])
    except ProviderJobNotFound:
        callbacks.apply_training(row["id"], "failed", failure_reason="the provider lost the training")
        counts["failed"] += 1
        return
    if job.terminal:
        status = training_status_of(job)
        callbacks.apply_training(row["id"], status if job.output or status == "failed" else "failed",
                                 model_path=job.output,
                                 failure_reason=(job.error or "the provider reported a failure") if status != "completed"
                                 else (None if job.output else "the provider returned no model"))
        counts["settled"] += 1
    elif _age(row["dispatched_at"]) > 2 * deadline:
        _cancel(("training", row["provider_job_id"]))
        callbacks.apply_training(row["id"], "failed", failure_reason="the training took too long")
        counts["failed"] += 1


def _reconcile_generation(row: dict[str, Any], counts: dict[str, int]) -> None:
    settings = get_gpu_settings()
    deadline = settings.generation_deadline_s
    if row["status"] == "queued":
        if _age(row["created_at"]) > settings.max_queued_s:
            callbacks.apply_generation(row["id"], "failed", failure_reason="the generation never started")
            counts["failed"] += 1
            return
        with db.transaction() as conn:
            model = model_repo.get_model(conn, row["style_model_id"])
        if gen_service.send(row, model["model_path"]):
            counts["resent"] += 1
        return
    try:
        job = get_provider().get("prediction", row["provider_job_id"])
    except ProviderJobNotFound:
        callbacks.apply_generation(row["id"], "failed", failure_reason="the provider lost the generation")
        counts["failed"] += 1
        return
    if job.terminal:
        status, failure, key = generation_status_of(job), None, None
        if status == "completed":
            try:
                if not job.output:
                    raise fetch.ImageRefused("the provider returned no image")
                key = fetch.store_output(row["id"], job.output)
            except fetch.ImageRefused as exc:
                status, failure = "failed", str(exc)
        else:
            failure = job.error or "the provider reported a failure"
        callbacks.apply_generation(row["id"], status, image_key=key, failure_reason=failure)
        counts["settled"] += 1
    elif _age(row["dispatched_at"]) > 2 * deadline:
        _cancel(("prediction", row["provider_job_id"]))
        callbacks.apply_generation(row["id"], "failed", failure_reason="the generation took too long")
        counts["failed"] += 1


def _cancel(job: tuple[str, str]) -> None:
    try:
        get_provider().cancel(*job)  # type: ignore[arg-type]
    except (ProviderUnavailable, ProviderJobNotFound):
        logger.warning("could not cancel provider %s %s", *job)


def reconcile(context: Any = None) -> dict[str, int]:
    """One pass (see module doc); returns counts ``resent``, ``settled``, ``failed``, ``errors``,
    ``expired_uploads``, ``forgotten_deliveries``. A provider that does not answer leaves the job
    for the next pass (``errors``)."""
    settings = get_gpu_settings()
    counts = {"resent": 0, "settled": 0, "failed": 0, "errors": 0, "expired_uploads": 0, "forgotten_deliveries": 0}
    with db.transaction() as conn:
        models = model_repo.models_to_reconcile(conn, requeue_after_s=settings.requeue_after_s,
                                                deadline_s=settings.training_deadline_s)
        generations = gen_repo.to_reconcile(conn, requeue_after_s=settings.requeue_after_s,
                                            deadline_s=settings.generation_deadline_s)
    for row in models:
        try:
            _reconcile_model(row, counts)
        except (ProviderUnavailable, fetch.ImageUnavailable):
            counts["errors"] += 1
    for row in generations:
        try:
            _reconcile_generation(row, counts)
        except (ProviderUnavailable, fetch.ImageUnavailable):
            counts["errors"] += 1
    cutoff = datetime.now(UTC) - timedelta(hours=1)
    with db.transaction() as conn:
        expired = conn.execute(
            """UPDATE styles.style_models SET training_status = 'failed', finished_at = now(), updated_at = now(),
                      failure_reason = 'the training images were not all uploaded in time'
               WHERE training_status = 'uploading' AND uploads_expire_at < %s RETURNING id""", (cutoff,)).fetchall()
        counts["expired_uploads"] = len(expired)
        counts["forgotten_deliveries"] = gen_repo.forget_deliveries(conn, older_than_s=86400)
    return counts
