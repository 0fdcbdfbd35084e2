"""The two job messages, in design document 004's formats (M2-RabbitMQ-Integration), on SQS.

* training: ``{"task_id": uuid, "type": "model_training", "data": {"style_id", "image_paths":
  [str], "num_epochs": int}, "webhook_url": str}``
* generation: ``{"task_id": uuid, "type": "image_generation", "data": {"generation_id",
  "style_id", "lora_path": str, "prompt": str, "aspect_ratio": str, "seed": int},
  "webhook_url": str}``

Ids are UUIDs (platform convention) where the document shows ints. ``task_id`` is the job row's
own ``task_id``: a message re-sent by the reconcile job carries the same one, and a dispatcher
receiving a task whose row has moved on does nothing. ``image_paths`` are keys in the artworks
bucket; ``webhook_url`` is the document's status webhook of the job (``PATCH
/api/models/{id}/status``, ``PATCH /api/images/{id}/status``), which a self-hosted worker would
call with the internal token.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class TrainingData(_Strict):
    """``data`` of a training message: the model (``style_id``), its clean training images' keys in
    position order, the document's ``num_epochs``."""

    style_id: UUID
    image_paths: Annotated[list[str], Field(min_length=1, max_length=100)]
    num_epochs: Annotated[int, Field(gt=0)]


class TrainingMessage(_Strict):
    """``{"task_id", "type": "model_training", "data", "webhook_url"}``."""

    task_id: UUID
    type: Literal["model_training"] = "model_training"
    data: TrainingData
    webhook_url: str


class GenerationData(_Strict):
    """``data`` of a generation message: the generation, its model, the trained model reference
    (``lora_path``, the provider's ``owner/name:version``), the prompt (trigger word + tags), the
    aspect ratio and the seed (0..2^32-1)."""

    generation_id: UUID
    style_id: UUID
    lora_path: str
    prompt: str
    aspect_ratio: str
    seed: Annotated[int, Field(ge=0, le=4294967295)]


class GenerationMessage(_Strict):
    """``{"task_id", "type": "image_generation", "data", "webhook_url"}``."""

    task_id: UUID
    type: Literal["image_generation"] = "image_generation"
    data: GenerationData
    webhook_url: str


def dumps(message: TrainingMessage | GenerationMessage) -> str:
    """The message body sent to SQS (JSON, UUIDs as strings)."""
    return message.model_dump_json()


def parse_training(body: str) -> TrainingMessage:
    """A training message from an SQS body.

    Raises:
        pydantic.ValidationError, ValueError: not such a message.
    """
    return TrainingMessage.model_validate(json.loads(body))


def parse_generation(body: str) -> GenerationMessage:
    """A generation message from an SQS body.

    Raises:
        pydantic.ValidationError, ValueError: not such a message.
    """
    return GenerationMessage.model_validate(json.loads(body))
