"""Hand queued jobs to the GPU provider (the consumers of the ``model_training`` and
``image_generation`` queues; design document 004, M2-RabbitMQ-Integration's formats).

Each message names its job row and ``task_id``. The dispatcher does nothing for a task whose row
has moved on (already dispatched, finished, cancelled, deleted): a duplicate or re-sent message is
harmless. Otherwise it starts the provider job with the provider webhook URL of that row, then
records the provider's job id in a guarded UPDATE (``queued -> training|processing`` for this
task only); if the row moved meanwhile (a cancel), it cancels the provider job again.

Failures: :class:`ProviderUnavailable` (network, 429, 5xx) raises, so the message is retried
and, after the queue's ``maxReceiveCount``, kept in its dead-letter queue (the reconcile job
re-sends the still-queued job later, or fails it past its deadline). :class:`ProviderRejected`
(the provider refuses the input for good) fails the job at once (a generation is refunded, the
artist notified).

Training set: the provider trains on one ZIP of the clean training images
(``training-sets/<model>.zip`` in the artworks bucket, written once per model, names in position
order), which it downloads through a presigned GET URL valid for ``TRAINING_SET_URL_S``.
"""

from __future__ import annotations

import tempfile
import zipfile
from typing import Any

from backlot import db, storage
from backlot.observability import logger

from styles import callbacks, messages
from styles.generations import repository as gen_repo
from styles.gpu_settings import get_gpu_settings
from styles.provider.base import ProviderRejected
from styles.provider.factory import get_provider
from styles.stylemodels import artwork, repository as model_repo

TRAINING_SET_URL_S = 6 * 3600


def _training_set_url(model_id: Any, image_keys: list[str]) -> str:
    settings = get_gpu_settings()
    key = artwork.training_set_key(model_id)
    if not storage.object_exists(settings.artworks_bucket, key):
        # up to 100 images of up to 10 MB: written to /tmp (EphemeralStorage) one image at a time
        with tempfile.TemporaryFile() as spool:
            with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
                for position, image_key in enumerate(image_keys):
                    data = storage.get_bytes(settings.artworks_bucket, image_key)
                    archive.writestr(f"{position:03d}{image_key[image_key.rfind('.'):]}", data)
                    del data
            spool.seek(0)
            storage.s3_client().upload_fileobj(spool, settings.artworks_bucket, key,
                                               ExtraArgs={"ContentType": "application/zip"})
    return storage.presigned_get(settings.artworks_bucket, key, expires_in=TRAINING_SET_URL_S)


def dispatch_training(message: messages.TrainingMessage) -> str:
    """Start the training a message names; returns what happened (``started``, ``skipped``,
    ``rejected``).

    Raises:
        ProviderUnavailable: try again later.
    """
    data = message.data
    with db.transaction() as conn:
        model = model_repo.get_model(conn, data.style_id)
    if model is None or model["is_deleted"] or model["task_id"] != message.task_id \
            or model["training_status"] != "queued":
        return "skipped"
    settings = get_gpu_settings()
    url = _training_set_url(model["id"], data.image_paths)
    try:
        job = get_provider().start_training(
            images_zip_url=url, trigger_word=model["trigger_word"], steps=settings.training_steps,
            webhook_url=settings.webhook_url(f"webhooks/provider/models/{model['id']}"))
    except ProviderRejected as exc:
        callbacks.apply_training(model["id"], "failed", failure_reason=f"the provider refused the training: {exc.reason}")
        return "rejected"
    with db.transaction() as conn:
        started = model_repo.start_training(conn, model["id"], message.task_id, job.id)
    if not started:
        logger.info("model %s moved on while its training started; cancelling provider job %s", model["id"], job.id)
        _cancel_quietly("training", job.id)
        return "skipped"
    return "started"


def dispatch_generation(message: messages.GenerationMessage) -> str:
    """Start the prediction a message names; returns ``started``, ``skipped`` or ``rejected``.

    Raises:
        ProviderUnavailable: try again later.
    """
    data = message.data
    with db.transaction() as conn:
        row = gen_repo.get(conn, data.generation_id)
    if row is None or row["task_id"] != message.task_id or row["status"] != "queued":
        return "skipped"
    settings = get_gpu_settings()
    try:
        job = get_provider().start_prediction(
            model_path=data.lora_path, prompt=row["prompt"], aspect_ratio=row["aspect_ratio"], seed=row["seed"],
            webhook_url=settings.webhook_url(f"webhooks/provider/images/{row['id']}"))
    except ProviderRejected as exc:
        callbacks.apply_generation(row["id"], "failed", failure_reason=f"the provider refused the image: {exc.reason}")
        return "rejected"
    with db.transaction() as conn:
        started = gen_repo.start(conn, row["id"], message.task_id, job.id)
    if not started:
        _cancel_quietly("prediction", job.id)
        return "skipped"
    return "started"


def _cancel_quietly(kind: str, job_id: str) -> None:
    try:
        get_provider().cancel(kind, job_id)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - best effort: the provider's own timeout ends it anyway
        logger.warning("could not cancel provider %s %s", kind, job_id)
