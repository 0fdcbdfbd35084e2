"""The movies product's non-HTTP functions: export parsing (S3 -> SQS), TMDB enrichment (SQS) and
the nightly expiry (EventBridge Scheduler). Each handler is thin: decode the event, call the service.
"""

from __future__ import annotations

import json
import time
from typing import Any
from uuid import UUID

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from backlot.observability import logger, metrics, tracer
from backlot.queues import s3_objects_in_sqs_record

from movies import service


def process_sqs_batch(event: dict[str, Any], context: Any, record_handler: Any) -> dict[str, Any]:
    """Like ``backlot.queues.process_sqs_batch``, but a batch whose every record failed is also
    answered with ``batchItemFailures`` instead of an exception: SQS retries the same messages
    either way (AWS docs, "Reporting batch item failures"), and a job that fails on purpose (a film
    TMDB keeps refusing) is not logged as a crashed function."""
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def _receive_count(record: SQSRecord) -> int:
    try:
        return int(record.attributes.approximate_receive_count or 1)
    except (TypeError, ValueError):
        return 1


def parse_record(record: SQSRecord) -> list[str]:
    """Parse every export an S3 event message names (``s3:TestEvent`` names none).

    Raises:
        ValueError: the body is not an S3 event: the record fails and, after the queue's
            ``maxReceiveCount``, rests in the dead-letter queue.
        Exception: transient failures, so only this record is retried.
    """
    count = _receive_count(record)
    return [service.parse_uploaded(ref, count) for ref in s3_objects_in_sqs_record(record)]


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context
def parse_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """ParseExportFunction: SQS batch of S3 events in, ``{"batchItemFailures": [...]}`` out."""
    return process_sqs_batch(event, context, parse_record)


def _deadline(context: Any) -> float | None:
    """When to stop starting films: a quarter of the time left (at most 20 s) is kept in reserve."""
    try:
        remaining = int(context.get_remaining_time_in_millis())
    except (AttributeError, TypeError, ValueError):
        return None
    return time.monotonic() + (remaining - min(20_000, remaining // 4)) / 1000


def make_enrich_record(context: Any) -> Any:
    deadline = _deadline(context)

    def enrich_record(record: SQSRecord) -> dict[str, int] | None:
        """One enrichment message ``{"session_id", "film_ids": [...]}``.

        A malformed message is logged and dropped (it can never succeed); see
        ``service.enrich_batch`` for failures.
        """
        try:
            body = json.loads(record.body)
            session_id = UUID(str(body["session_id"]))
            film_ids = [UUID(str(f)) for f in body["film_ids"]][:500]
        except (TypeError, ValueError, KeyError, json.JSONDecodeError):
            logger.error("malformed enrichment message dropped", extra={"message_id": record.message_id})
            return None
        return service.enrich_batch(session_id, film_ids, receive_count=_receive_count(record), deadline=deadline)

    return enrich_record


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context
def enrich_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """EnrichFilmsFunction: SQS batch of enrichment jobs in, partial batch response out."""
    return process_sqs_batch(event, context, make_enrich_record(context))


@metrics.log_metrics
@logger.inject_lambda_context
def expire_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """ExpireSessionsFunction (nightly, ``cron(0 3 * * ? *)``): delete expired sessions.

    The Scheduler event's content does not matter (its ``detail`` is the string ``"{}"``).
    """
    return {"deleted": service.expire()}
