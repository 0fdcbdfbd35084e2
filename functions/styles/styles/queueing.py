"""Sending the job messages to their SQS queues, always after the transaction that recorded the job
has committed (a message never names a row that may roll back). A send that fails is logged and
left to the reconcile job, which re-sends every job still ``queued`` whose last send is older than
``requeue_after_s``; the dispatcher ignores a message whose task has moved on, so a message sent
twice does the work once.
"""

from __future__ import annotations

import functools
from typing import Any

from backlot.observability import logger

from styles import messages
from styles.gpu_settings import get_gpu_settings


@functools.lru_cache(maxsize=1)
def _sqs() -> Any:
    import boto3

    return boto3.client("sqs")


def _send(queue_url: str | None, body: str, group: str) -> bool:
    if not queue_url:
        logger.warning("no queue configured for %s messages; the reconcile job will retry", group)
        return False
    try:
        _sqs().send_message(QueueUrl=queue_url, MessageBody=body)
        return True
    except Exception:  # noqa: BLE001 - any failure of the send: the reconcile job re-sends
        logger.exception("sending a %s message failed; the reconcile job will re-send it", group)
        return False


def send_training(message: messages.TrainingMessage) -> bool:
    """Send a ``model_training`` message; True when SQS accepted it."""
    return _send(get_gpu_settings().training_queue_url, messages.dumps(message), "model_training")


def send_generation(message: messages.GenerationMessage) -> bool:
    """Send an ``image_generation`` message; True when SQS accepted it."""
    return _send(get_gpu_settings().generation_queue_url, messages.dumps(message), "image_generation")


def training_message(model: dict[str, Any], image_keys: list[str]) -> messages.TrainingMessage:
    """The training message of a model row (``id``, ``task_id``, ``num_epochs``)."""
    settings = get_gpu_settings()
    return messages.TrainingMessage(
        task_id=model["task_id"],
        data=messages.TrainingData(style_id=model["id"], image_paths=image_keys, num_epochs=model["num_epochs"]),
        webhook_url=settings.webhook_url(f"models/{model['id']}/status"),
    )


def generation_message(generation: dict[str, Any], lora_path: str) -> messages.GenerationMessage:
    """The generation message of a generation row."""
    settings = get_gpu_settings()
    return messages.GenerationMessage(
        task_id=generation["task_id"],
        data=messages.GenerationData(
            generation_id=generation["id"], style_id=generation["style_model_id"], lora_path=lora_path,
            prompt=generation["prompt"], aspect_ratio=generation["aspect_ratio"], seed=generation["seed"]),
        webhook_url=settings.webhook_url(f"images/{generation['id']}/status"),
    )
