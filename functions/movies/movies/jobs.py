"""The movies product's non-HTTP functions: export parsing (S3 -> SQS), TMDB enrichment (SQS), the
sweep of stalled sessions and the nightly expiry (EventBridge Scheduler). Each handler is thin:
decode the event, call the service.
"""

from __future__ import annotations

import json
import time
from typing import Any
from uuid import UUID

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from backlot.observability import logger, metrics
from backlot.tracing import tracer
from backlot.jobs import scheduled_job_handler
from backlot.queues import process_sqs_batch, s3_objects_in_sqs_record, sqs_lambda_handler

from movies import service


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


#: ParseExportFunction: SQS batch of S3 events in, ``{"batchItemFailures": [...]}`` out.
parse_handler = sqs_lambda_handler(parse_record)


def _deadline(context: Any) -> float | None:
    """By when every TMDB request of this invocation must be over (``service.enrich_batch``): a
    quarter of the time left (at most 20 s) is kept in reserve for the database writes that record
    the films done and not done, and the partial batch response."""
    try:
        remaining = int(context.get_remaining_time_in_millis())
    except (AttributeError, TypeError, ValueError):
        return None
    return time.monotonic() + (remaining - min(20_000, remaining // 4)) / 1000


def make_enrich_record(context: Any) -> Any:
    deadline = _deadline(context)

    def enrich_record(record: SQSRecord) -> dict[str, int] | None:
        """One enrichment message ``{"session_id", "film_ids": [...]}``.

        A malformed message raises ``ValueError``: it fails, and after the queue's
        ``maxReceiveCount`` rests in the dead-letter queue for a person to look at. See
        ``service.enrich_batch`` for the other failures.
        """
        try:
            body = json.loads(record.body)
            session_id = UUID(str(body["session_id"]))
            film_ids = [UUID(str(f)) for f in body["film_ids"]][:500]
        except (TypeError, ValueError, KeyError, json.JSONDecodeError) as exc:
            raise ValueError(f"malformed enrichment message {record.message_id}: {exc}") from exc
        return service.enrich_batch(session_id, film_ids, receive_count=_receive_count(record), deadline=deadline)

    return enrich_record


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context
def enrich_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """EnrichFilmsFunction: SQS batch of enrichment jobs in, partial batch response out."""
    return process_sqs_batch(event, context, make_enrich_record(context))


def settle_stalled_sessions(context: Any) -> dict[str, int]:
    """SettleStalledSessionsFunction (``rate(15 minutes)``): finish sessions whose parse or
    enrichment stalled (``service.settle_stalled_sessions``)."""
    return service.settle_stalled_sessions()


def expire_sessions(context: Any) -> dict[str, Any]:
    """ExpireSessionsFunction (nightly, ``cron(0 3 * * ? *)``): delete expired sessions."""
    return {"deleted": service.expire()}


settle_handler = scheduled_job_handler(settle_stalled_sessions)
expire_handler = scheduled_job_handler(expire_sessions)
