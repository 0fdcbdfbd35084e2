"""The S3 deletion sweep, every 15 minutes (EventBridge Scheduler ``rate(15 minutes)`` → here).

Deleting a media item or a household removes the rows and records the objects to delete in one
transaction, then deletes the objects after the commit (``family.service.delete_media``,
``delete_household``). What S3 failed to delete then stays recorded in ``family.object_deletions``;
this job finishes it. Idempotent: deleting an object already gone is no error.
"""

from __future__ import annotations

from typing import Any

from backlot.jobs import scheduled_job_handler
from backlot.observability import logger, metrics

from family import service


def finish_object_deletions(context: Any) -> dict[str, int]:
    """One sweep: ``{"done", "failed"}`` counts of recorded S3 deletions."""
    result = service.finish_object_deletions()
    if result["failed"]:
        logger.warning("S3 deletions still failing; the next run retries", extra=result)
    elif result["done"]:
        logger.info("S3 deletions finished", extra=result)
    metrics.add_metric(name="ObjectDeletionsFinished", unit="Count", value=result["done"])
    return result


handler = scheduled_job_handler(finish_object_deletions)
