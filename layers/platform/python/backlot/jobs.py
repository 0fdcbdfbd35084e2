"""Scheduled jobs (EventBridge Scheduler → Lambda): one wrapper for every product's periodic job.

A scheduled job is a function of the invocation's context that returns a small JSON-able summary
(counts). :func:`scheduled_job_handler` turns it into the Lambda handler with what every schedule
needs, once: Powertools logging with the Lambda context, metrics flushed at the end, the X-Ray SDK's
tracer (schedules keep it, see :mod:`backlot.tracing`), the execution environment's one database
connection (:func:`backlot.db.invocation_scope`), and one log line with the summary.

The Scheduler event itself carries nothing a job needs (its ``detail`` is the string ``"{}"``);
an exception is not caught: the invocation fails, so the schedule's ``RetryPolicy`` retries it and
its dead-letter queue keeps the event (AWS EventBridge Scheduler user guide, "Configuring a
dead-letter queue"; the templates' contract tests require both).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from backlot import db
from backlot.observability import logger, metrics
from backlot.tracing import tracer

Summary = TypeVar("Summary", bound=dict)


def remaining_ms(context: Any) -> Callable[[], int] | None:
    """The invocation's clock: ``context.get_remaining_time_in_millis`` (a function returning the
    milliseconds left, to ask again as the job goes), or None when the caller's context has no
    deadline (a test, ``backlot invoke`` without one)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return remaining if callable(remaining) else None


def scheduled_job_handler(job: Callable[[Any], Summary]) -> Callable[[dict[str, Any], Any], Summary]:
    """Wrap ``job(context) -> summary`` as a scheduled function's Lambda handler.

    Args:
        job: the work of one run; receives the Lambda context (for :func:`remaining_ms`, its clock) and
            returns a dict of counts, logged as ``scheduled job finished`` and returned.

    Returns:
        ``handler(event, context) -> summary``; exceptions propagate (the Scheduler retries).
    """

    @metrics.log_metrics
    @tracer.capture_lambda_handler(capture_response=False)
    @logger.inject_lambda_context
    def handler(event: dict[str, Any], context: Any) -> Summary:
        with db.invocation_scope():
            summary = job(context)
        logger.info("scheduled job finished", extra={"job": job.__name__, "summary": summary})
        return summary

    handler.__doc__ = job.__doc__
    return handler
