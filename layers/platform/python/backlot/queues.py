"""SQS consumers with Powertools' BatchProcessor and partial batch responses.

A record handler that raises marks only its record failed; the function returns
``{"batchItemFailures": [...]}`` (AWS docs, "Reporting batch item failures") so SQS redelivers just
those, and after ``maxReceiveCount`` moves them to the dead-letter queue. A record that can never
succeed (malformed input) should not raise: the handler records the rejection and returns, so
it is not retried forever.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from backlot.storage import S3ObjectRef, object_refs_from_s3_event


def process_sqs_batch(event: dict[str, Any], context: Any, record_handler: Callable[[SQSRecord], Any]) -> dict[str, Any]:
    """Run ``record_handler`` on each SQS record; return the partial batch response.

    When every record fails, the response lists them all (``raise_on_entire_batch_failure=False``):
    SQS retries them exactly as it would after an exception, and a deliberate rejection is not
    logged as a crash of the function.

    Returns:
        ``{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}``.
    """
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def s3_objects_in_sqs_record(record: SQSRecord) -> list[S3ObjectRef]:
    """The S3 objects named by an SQS message whose body is an S3 event notification.

    Accepts a direct S3 → SQS body and an S3 → SNS → SQS envelope (``Message`` holds the event).

    Raises:
        ValueError: the body is not JSON or not an S3 event.
    """
    try:
        body = json.loads(record.body)
    except (TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"SQS body is not JSON: {exc}") from exc
    if isinstance(body, dict) and body.get("Type") == "Notification" and "Message" in body:
        body = json.loads(body["Message"])
    if not isinstance(body, dict) or ("Records" not in body and body.get("Event") != "s3:TestEvent"):
        raise ValueError("SQS body is not an S3 event notification")
    return object_refs_from_s3_event(body)


def s3_record_handler(process_object: Callable[[S3ObjectRef], Any]) -> Callable[[SQSRecord], list[Any]]:
    """A record handler for S3 → SQS queues: runs ``process_object`` on every object a message names.

    A body that is not an S3 event raises ``ValueError``: the record fails, and after the queue's
    ``maxReceiveCount`` it rests in the dead-letter queue for a person to look at. Transient errors
    raised by ``process_object`` fail only their record, so only it is retried.
    """

    def record_handler(record: SQSRecord) -> list[Any]:
        return [process_object(ref) for ref in s3_objects_in_sqs_record(record)]

    return record_handler


def sqs_lambda_handler(record_handler: Callable[[SQSRecord], Any]) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Wrap ``record_handler`` as an SQS consumer's Lambda handler with Powertools logging (correlation
    id per invocation), tracing (X-Ray SDK: queue consumers keep it, see :mod:`backlot.tracing`)
    and metrics; it returns the partial batch response."""
    from backlot.observability import logger, metrics
    from backlot.tracing import tracer

    @metrics.log_metrics
    @tracer.capture_lambda_handler(capture_response=False)
    @logger.inject_lambda_context
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        from backlot import db

        with db.invocation_scope():
            return process_sqs_batch(event, context, record_handler)

    return handler
