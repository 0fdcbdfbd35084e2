"""Job status changes reported by a worker or the provider (design document 004, M4 webhooks), and
by the reconcile job: one place applies them, as a state machine in SQL.

* training: ``queued -> training -> completed | failed`` (``queued`` may finish directly); on
  completed the model gets its ``model_path`` and the artist a ``training_complete`` notification
  ("Your style model {name} is ready!", link to the model); on failed a ``training_failed`` one
  ("Training failed for {name}. {reason}").
* generation: ``queued -> processing -> completed | failed``; completed stores the image and
  counts one use of the model; failed refunds the cost exactly once (document: "Refund amount =
  generation cost", "Reason: generation_failed").

A change that the current state does not allow (a duplicate, a late "processing" after
"completed", anything after "cancelled") changes nothing and reports ``changed: false``; a
provider webhook's message id is recorded in the same transaction, so a replayed delivery changes
nothing either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg

from backlot import db

from styles.generations import ledger, repository as gen_repo
from styles.stylemodels import repository as model_repo

TRAINING_STATUSES = ("training", "completed", "failed")
GENERATION_STATUSES = ("processing", "completed", "failed")


@dataclass(frozen=True)
class Applied:
    """What a callback did: ``changed`` (the row moved) and the row's ``status`` now."""

    changed: bool
    status: str


def _notify(conn: psycopg.Connection, *, user_id: UUID, type: str, title: str, message: str, link: str,
            dedupe_key: str) -> None:
    from styles import notifications

    notifications.notify(conn, user_id=user_id, type=type, title=title, message=message, link=link,
                         dedupe_key=dedupe_key)


def apply_training(model_id: UUID, status: str, *, model_path: str | None = None,
                   failure_reason: str | None = None, message_id: str | None = None) -> Applied | None:
    """Apply a training status; None when the model does not exist.

    Args:
        status: ``training``, ``completed`` (needs ``model_path``) or ``failed``.
        message_id: the provider webhook's id (dedupe); None for the internal webhook.

    Raises:
        ValueError: an unknown status, or completed without a model path.
    """
    if status not in TRAINING_STATUSES:
        raise ValueError(f"status must be one of {', '.join(TRAINING_STATUSES)}")
    if status == "completed" and not model_path:
        raise ValueError("model_path is required when status is completed")
    with db.transaction() as c:
        model = model_repo.get_model(c, model_id, for_update=True)
        if model is None:
            return None
        if message_id is not None and not gen_repo.record_delivery(c, message_id):
            return Applied(False, model["training_status"])
        if status == "training":
            changed = model_repo.mark_training_running(c, model_id)
            return Applied(changed, "training" if changed else model["training_status"])
        reason = (failure_reason or "the training failed").strip()[:500] if status == "failed" else None
        moved = model_repo.finish_training(c, model_id, status=status, model_path=model_path, failure_reason=reason)
        if moved is None:
            return Applied(False, model["training_status"])
        if status == "completed":
            _notify(c, user_id=moved["artist_id"], type="training_complete", title="Style model ready",
                    message=f"Your style model {moved['name']} is ready!", link=f"/models/{model_id}",
                    dedupe_key=f"training_complete:{model_id}")
        else:
            _notify(c, user_id=moved["artist_id"], type="training_failed", title="Training failed",
                    message=f"Training failed for {moved['name']}. {reason}", link=f"/models/{model_id}",
                    dedupe_key=f"training_failed:{model_id}")
        return Applied(True, status)


def apply_generation(generation_id: UUID, status: str, *, image_key: str | None = None, image_url: str | None = None,
                     failure_reason: str | None = None, message_id: str | None = None) -> Applied | None:
    """Apply a generation status; None when the generation does not exist.

    Args:
        status: ``processing``, ``completed`` (needs ``image_key`` or ``image_url``) or ``failed``.

    Raises:
        ValueError: an unknown status, or completed without an image.
    """
    if status not in GENERATION_STATUSES:
        raise ValueError(f"status must be one of {', '.join(GENERATION_STATUSES)}")
    if status == "completed" and not (image_key or image_url):
        raise ValueError("image_url is required when status is completed")
    with db.transaction() as conn:
        row = gen_repo.get(conn, generation_id, for_update=True)
        if row is None:
            return None
        if message_id is not None and not gen_repo.record_delivery(conn, message_id):
            return Applied(False, row["status"])
        if status == "processing":
            changed = gen_repo.mark_processing(conn, generation_id)
            return Applied(changed, "processing" if changed else row["status"])
        if status == "completed":
            moved = gen_repo.complete(conn, generation_id, image_key=image_key, image_url=image_url)
            if moved is None:
                return Applied(False, row["status"])
            gen_repo.count_usage(conn, moved["style_model_id"])
            return Applied(True, "completed")
        reason = (failure_reason or "the generation failed").strip()[:500]
        moved = gen_repo.finish_unpaid(conn, generation_id, status="failed", failure_reason=reason)
        if moved is None:
            return Applied(False, row["status"])
        ledger.refund(conn, user_id=moved["user_id"], amount=moved["cost"], generation_id=generation_id,
                      reason="generation_failed")
        return Applied(True, "failed")


def current(kind: str, object_id: UUID) -> dict[str, Any] | None:
    """The model (``kind`` ``models``) or generation (``images``) row, or None."""
    with db.transaction() as conn:
        if kind == "models":
            return model_repo.get_model(conn, object_id)
        return gen_repo.get(conn, object_id)
