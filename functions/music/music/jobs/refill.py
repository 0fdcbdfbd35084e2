"""The queue refill, every minute (EventBridge Scheduler ``rate(1 minute)`` → here).

Document 002, "Data Flow" steps 3-5: compute each room's collective vector, run
``recommend_with_penalty``, write ``player_queue``. Also closes expired sessions and marks players
whose heartbeat stopped as offline. Only players seen polling recently are re-planned, the ones
refilled longest ago first, and no new player is started when the invocation is about to time out
(see ``music.service.refill_all``). Idempotent: a second run at the same moment finds full
queues (each player's refill holds its row lock; a held player is skipped).
"""

from __future__ import annotations

from typing import Any

from backlot.observability import logger, metrics
from backlot.tracing import tracer

from music import service


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Scheduler event in (its ``detail`` is the string ``"{}"``, ignored), counts out."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    result = service.refill_all(remaining_ms=remaining if callable(remaining) else None)
    if result["out_of_time"]:
        logger.warning("queue refill stopped before every player; the rest come first next run", extra=result)
    else:
        logger.info("queues refilled", extra=result)
    metrics.add_metric(name="QueueEntriesAdded", unit="Count", value=result["added"])
    return result
