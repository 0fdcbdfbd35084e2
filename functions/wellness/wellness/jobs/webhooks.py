"""The webhook outbox's functions (``wellness.notifications.sender``):

- WebhookSweepFunction (every minute): claims the due deliveries (new ones, retries whose time
  came, and rows whose message was lost) and sends one ``{"id", "attempt"}`` message each to
  ``WebhookDeliveryQueue``. A failed run leaves the rows due: the next run takes them.
- WebhookDeliveryFunction (the queue's consumer): makes the attempt. A failed or refused request
  is recorded on the row (retried later by the sweep, per the schedule), so the record succeeds;
  only a database failure fails the record (Powertools partial batch response: SQS delivers it
  again, then keeps it in the dead-letter queue). A malformed message is logged and dropped.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from backlot import db
from backlot.jobs import remaining_ms, scheduled_job_handler
from backlot.observability import logger, metrics
from backlot.queues import sqs_lambda_handler

from wellness.notifications import sender
from wellness.settings import get_settings

SWEEP_BATCH = 500
RESERVE_MS = 10_000


def run_sweep(context: Any) -> dict[str, int]:
    """Claim and enqueue due deliveries, in batches, while time remains."""
    import boto3  # here: only the sweep sends

    settings = get_settings()
    if not settings.webhook_queue_url:
        return {"claimed": 0, "enqueued": 0}
    sqs = boto3.client("sqs")
    clock = remaining_ms(context)
    totals = {"claimed": 0, "enqueued": 0}
    while clock is None or clock() > RESERVE_MS:
        with db.transaction() as conn:
            claimed = sender.claim_due(conn, SWEEP_BATCH)
        if not claimed:
            break
        totals["claimed"] += len(claimed)
        totals["enqueued"] += sender.enqueue(sqs, settings.webhook_queue_url, claimed)
        if len(claimed) < SWEEP_BATCH:
            break
    return totals


def deliver_record(record: SQSRecord) -> str:
    """Make the attempt the message names; returns its outcome's status."""
    try:
        message = json.loads(record.body)
        delivery_id, number = UUID(message["id"]), int(message["attempt"])
        if number < 1:
            raise ValueError(number)
    except (ValueError, TypeError, KeyError) as exc:
        logger.error("webhook message rejected", extra={"message_id": record.message_id, "reason": str(exc)})
        metrics.add_metric(name="WebhookMessageRejected", unit="Count", value=1)
        return "rejected"
    settings = get_settings()
    outcome = sender.attempt(db.transaction, delivery_id, number, max_attempts=settings.webhook_max_attempts,
                             timeout_s=settings.webhook_timeout_s, allow_local=settings.webhook_allow_local)
    metrics.add_metric(name=f"Webhook_{outcome.status}", unit="Count", value=1)
    if outcome.error:
        logger.info("webhook attempt failed", extra={"delivery_id": str(delivery_id), "attempt": number,
                                                     "status": outcome.status, "error": outcome.error})
    return outcome.status


sweep_handler = scheduled_job_handler(run_sweep)
#: WebhookDeliveryFunction: SQS batch in, ``{"batchItemFailures": [...]}`` out.
handler = sqs_lambda_handler(deliver_record)
