"""The S3 deletion sweep, every 15 minutes (EventBridge Scheduler ``rate(15 minutes)`` → here).

Deleting a media item or a household removes the rows and records the objects to delete in one
transaction, then deletes the objects after the commit (``family.service.delete_media``,
``delete_household``). What S3 failed to delete then stays recorded in ``family.object_deletions``;
this job finishes it. Idempotent: deleting an object already gone is no error.
"""

from __future__ import annotations

from typing import Any

from backlot.observability import logger, metrics
from backlot.tracing import tracer

from family import service


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    """Scheduler event in (ignored), ``{"done", "failed"}`` out."""
    result = service.finish_object_deletions()
    if result["failed"]:
        logger.warning("S3 deletions still failing; the next run retries", extra=result)
    elif result["done"]:
        logger.info("S3 deletions finished", extra=result)
    metrics.add_metric(name="ObjectDeletionsFinished", unit="Count", value=result["done"])
    return result
