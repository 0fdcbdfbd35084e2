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

from backlot.jobs import remaining_ms, scheduled_job_handler
from backlot.observability import logger, metrics

from music import service


def refill_queues(context: Any) -> dict[str, Any]:
    """One run over the players seen recently, within the time left: counts out."""
    result = service.refill_all(remaining_ms=remaining_ms(context))
    if result["out_of_time"]:
        logger.warning("queue refill stopped before every player; the rest come first next run", extra=result)
    else:
        logger.info("queues refilled", extra=result)
    metrics.add_metric(name="QueueEntriesAdded", unit="Count", value=result["added"])
    return result


handler = scheduled_job_handler(refill_queues)
