"""The weekly cleanup in each user's own time zone (design document 001: "Data Cleanup (Sunday
2 AM)": usage data older than 90 days, resolved patterns older than 30 days; issue 10 item 7:
"daily totals stay so long-range trends keep working").

Runs hourly (UTC); takes the users for whom it is Sunday, past 02:00 local, and not yet cleaned
this Sunday (``wellness.job_runs``), in batches, set-based. Deleted: per-app and per-category
rows, sessions and unlock events older than 90 days before the user's local today; patterns
resolved more than 30 days ago. Kept: ``daily_usage`` (day totals) and ``user_daily_stats``
(every daily figure the statistics and the longest streak read).
"""

from __future__ import annotations

from datetime import time
from typing import Any

from backlot import db
from backlot.jobs import remaining_ms, scheduled_job_handler

from wellness.repository import jobs as repo

CLEANUP_AT = time(2, 0)
SUNDAY = 7
RAW_DAYS = 90
RESOLVED_DAYS = 30
BATCH = 1000
RESERVE_MS = 30_000


def run_cleanup(context: Any) -> dict[str, int]:
    """CleanupFunction: one hourly run."""
    clock = remaining_ms(context)
    totals: dict[str, int] = {"users": 0}
    while clock is None or clock() > RESERVE_MS:
        with db.transaction() as conn:
            due = repo.due_users(conn, "cleanup", CLEANUP_AT, isodow=SUNDAY, limit=BATCH)
            if not due:
                break
            users, days = [r["user_id"] for r in due], [r["local_today"] for r in due]
            out = repo.cleanup(conn, users, days, raw_days=RAW_DAYS, resolved_days=RESOLVED_DAYS)
            repo.mark_done(conn, "cleanup", users, days)
        totals["users"] += len(users)
        for k, v in out.items():
            totals[k] = totals.get(k, 0) + v
    return totals


handler = scheduled_job_handler(run_cleanup)
