"""GenerateFunction: one on-demand conversation generated from its SQS message ``{"id": "<uuid>"}``
(issue 11 item 4). ``wellness.conversations.generation.generate`` makes it ``ready`` or counts a
failed attempt; a failed attempt that will be retried, a rate limit or a provider error fails the
record (Powertools partial batch response), so SQS delivers it again after the visibility timeout
(the backoff) and, after ``maxReceiveCount``, keeps it in the dead-letter queue (alarmed). A
malformed message can never succeed: logged, counted and dropped."""

from __future__ import annotations

import json
from uuid import UUID

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from backlot.observability import logger, metrics
from backlot.queues import sqs_lambda_handler

from wellness.conversations import generation


def generate_record(record: SQSRecord) -> str:
    """Generate the message's row; returns its status. Raises ``RetryLater`` to be delivered again."""
    try:
        message = json.loads(record.body)
        row_id = UUID(message["id"]) if isinstance(message, dict) and isinstance(message.get("id"), str) else None
        if row_id is None:
            raise ValueError('not {"id": "<uuid>"}')
    except ValueError as exc:
        logger.error("generate message rejected", extra={"message_id": record.message_id, "reason": str(exc)})
        metrics.add_metric(name="GenerateMessageRejected", unit="Count", value=1)
        return "rejected"
    status = generation.generate(row_id)
    if status == "pending":
        raise generation.RetryLater(f"conversation {row_id}: attempt failed, retried")
    metrics.add_metric(name=f"Generation_{status}", unit="Count", value=1)
    return status


#: GenerateFunction: SQS batch in, ``{"batchItemFailures": [...]}`` out.
handler = sqs_lambda_handler(generate_record)
