"""Writing a notification: :func:`notify`, called in the SAME transaction as the change that
causes it (a rolled-back change notifies nobody; a committed one always has its notification and
its webhook deliveries, the outbox).

Events (``Event``) and their ``data``:

* ``conversation.ready`` / ``conversation.failed``: ``{"conversation_id", "conversation_type",
  "mood", "for_date"}`` (+ ``"reason"`` when failed); journals are not notified one by one:
* ``journal.ready``: ``{"for_date"}``, once per user per journal date (``dedupe_key``), however many
  entries (devices, top apps) and collections that night has;
* ``friend_request.received`` / ``friend_request.accepted``: ``{"connection_id", "user_id"}`` (the
  other user);
* ``visit.requested`` / ``visit.accepted``: ``{"visit_id", "user_id"}`` (the other user).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb


class Event(StrEnum):
    """The notification events (also the webhook ``type``s an endpoint subscribes to)."""

    conversation_ready = "conversation.ready"
    conversation_failed = "conversation.failed"
    journal_ready = "journal.ready"
    friend_request_received = "friend_request.received"
    friend_request_accepted = "friend_request.accepted"
    visit_requested = "visit.requested"
    visit_accepted = "visit.accepted"


def _text(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, UUID) else v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in data.items()}


def webhook_payload(notification_id: UUID, event: str, data: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The body of a webhook: the spec's recommended shape (Standard Webhooks, "Payload structure":
    ``type``, ``timestamp``, ``data``) + the notification's id."""
    return {"type": event, "timestamp": at.isoformat().replace("+00:00", "Z"),
            "data": {"notification_id": str(notification_id), **data}}


def notify(conn: psycopg.Connection, user_id: UUID, event: Event, data: dict[str, Any],
           *, dedupe_key: str | None = None) -> UUID | None:
    """Write one notification for ``user_id`` and one pending webhook delivery per endpoint of the
    user subscribed to ``event``, in the caller's transaction (the sweep sends them).

    Args:
        data: the event's fields (UUIDs and dates become text).
        dedupe_key: once per (user, event, key): a second call with the same key writes nothing.

    Returns:
        The notification's id; None when the key had one already.
    """
    row_id, at = uuid.uuid4(), datetime.now(timezone.utc)
    data = _text(data)
    made = conn.execute(
        """INSERT INTO wellness.notifications (id, user_id, event, data, dedupe_key, created_at)
           VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (user_id, event, dedupe_key) DO NOTHING""",
        (row_id, user_id, str(event), Jsonb(data), dedupe_key, at)).rowcount
    if not made:
        return None
    conn.execute(
        """INSERT INTO wellness.webhook_deliveries (id, endpoint_id, notification_id, user_id, event, payload, next_attempt_at)
           SELECT gen_random_uuid(), e.id, %s, e.user_id, %s, %s, now()
           FROM wellness.webhook_endpoints e WHERE e.user_id = %s AND %s = ANY (e.events)""",
        (row_id, str(event), Jsonb(webhook_payload(row_id, str(event), data, at)), user_id, str(event)))
    return row_id
