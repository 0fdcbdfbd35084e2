"""The nightly AI schedules (issue 11 item 3; ``wellness.conversations.nightly``).

- AiSubmitFunction (every 15 minutes, UTC): plans the users past 06:00 (conversations) and 23:00
  (journals) in their own time zone, in batches of :data:`BATCH` users, then submits every pending
  nightly row in no batch as one Batch API batch (or writes them offline without an API key).
- AiCollectFunction (every 15 minutes): applies the batches that reached a terminal status.

A failed run leaves its work where it was (users still due, rows still pending, batches still
open): the next run takes it, so the Scheduler does not retry. ``ai_clock`` (settings, tests and
local runs only) fixes the time the plan runs as.
"""

from __future__ import annotations

from typing import Any

from backlot import db
from backlot.jobs import remaining_ms, scheduled_job_handler

from wellness.conversations import nightly
from wellness.settings import get_settings

BATCH = 2000
RESERVE_MS = 60_000


def run_submit(context: Any) -> dict[str, int]:
    """Plan the due users (both kinds), then submit the pending rows."""
    settings = get_settings()
    now = settings.ai_clock or nightly.now_utc()
    clock = remaining_ms(context)
    totals = {"conversation_users": 0, "journal_users": 0}
    for kind in ("conversation", "journal"):
        while clock is None or clock() > RESERVE_MS:
            with db.transaction() as conn:
                planned = nightly.plan(conn, settings, kind, now, BATCH)
            if not planned:
                break
            totals[f"{kind}_users"] += planned
    totals.update(nightly.submit(db.transaction, settings))
    return totals


def run_collect(context: Any) -> dict[str, int]:
    """Apply every terminal open batch."""
    return nightly.collect(db.transaction, get_settings())


submit_handler = scheduled_job_handler(run_submit)
collect_handler = scheduled_job_handler(run_collect)
