"""Audio processor function: S3 ``ObjectCreated`` → SQS → here (partial batch responses)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from backlot.observability import logger, metrics, tracer
from backlot.queues import process_sqs_batch, s3_objects_in_sqs_record

from music.audio.service import process_object


def record_handler(record: SQSRecord) -> list[str]:
    """Process every object an SQS message names.

    Raises:
        ValueError: the body is not an S3 event: the record fails, and after the queue's
            ``maxReceiveCount`` it rests in the dead-letter queue for a person to look at.
        Exception: transient errors, so only this record is retried.
    """
    return [process_object(ref) for ref in s3_objects_in_sqs_record(record)]


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS batch in, ``{"batchItemFailures": [...]}`` out."""
    return process_sqs_batch(event, context, record_handler)
