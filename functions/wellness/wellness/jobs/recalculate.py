"""RecalculateFunction: an upload's affected days → the user's analytics, within seconds.

Issue 10 item 7 ("no waiting for the night: an upload queues a recalculation of that user's
affected days (SQS)"). Each message is ``{"user_id": "<uuid>", "dates": ["YYYY-MM-DD", ...]}``
(WELLNESS.md), sent by ``services.usage`` after an upload commits. The record handler runs
``wellness.analytics.recalculate(conn, user_id, dates)`` (wanalytics' module: patterns, goals,
statistics of those days, idempotent) in one transaction holding a per-user advisory lock, so two
messages of one user never recalculate at the same time and a redelivered message only recomputes
the same values. Partial batch responses: a failing record alone is retried, and after the
queue's ``maxReceiveCount`` rests in the dead-letter queue. A malformed message can never
succeed: it is logged, counted (``RecalculationMessageRejected``) and dropped, not retried.
"""

from __future__ import annotations

import importlib
import json
from datetime import date
from typing import Any
from uuid import UUID

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from backlot import db
from backlot.observability import logger, metrics
from backlot.queues import sqs_lambda_handler

#: More dates than this in one message is not an upload's (a year of days is 366).
MAX_DATES = 5000


class BadMessage(ValueError):
    """The message is not ``{"user_id", "dates"}``: retrying cannot help."""


def parse_message(body: str) -> tuple[UUID, list[date]]:
    """``(user_id, sorted distinct dates)`` from a message body; ``BadMessage`` if malformed."""
    try:
        message = json.loads(body)
    except (TypeError, json.JSONDecodeError) as exc:
        raise BadMessage(f"not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise BadMessage("not a JSON object")
    try:
        user_id = UUID(message["user_id"])
    except (KeyError, TypeError, ValueError):
        raise BadMessage("user_id is missing or not a UUID") from None
    dates = message.get("dates")
    if not isinstance(dates, list) or not dates or len(dates) > MAX_DATES:
        raise BadMessage(f"dates must be a list of 1..{MAX_DATES} dates")
    try:
        parsed = sorted({date.fromisoformat(d) for d in dates})
    except (TypeError, ValueError):
        raise BadMessage("dates must be YYYY-MM-DD strings") from None
    return user_id, parsed


def _recalculate() -> Any:
    """``wellness.analytics.recalculate``, imported when first needed (wanalytics provides it)."""
    return importlib.import_module("wellness.analytics").recalculate


def recalculate_record(record: SQSRecord) -> int:
    """Recalculate one message's days; returns how many dates (0 for a dropped malformed message).

    Raises whatever the recalculation raises (a database error, a missing analytics module), so
    the record is retried and ends in the dead-letter queue if it keeps failing.
    """
    try:
        user_id, dates = parse_message(record.body)
    except BadMessage as exc:
        logger.error("recalculation message rejected", extra={"message_id": record.message_id, "reason": str(exc)})
        metrics.add_metric(name="RecalculationMessageRejected", unit="Count", value=1)
        return 0
    recalculate = _recalculate()
    with db.transaction() as conn:
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('wellness.recalculate:' || %s, 0))",
                     (str(user_id),))
        recalculate(conn, user_id, dates)
    metrics.add_metric(name="DaysRecalculated", unit="Count", value=len(dates))
    return len(dates)


#: RecalculateFunction: SQS batch in, ``{"batchItemFailures": [...]}`` out.
handler = sqs_lambda_handler(recalculate_record)
