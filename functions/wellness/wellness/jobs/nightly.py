"""The nightly jobs in each user's own time zone (design document 001: "Usage Pattern Detection
(12:30 AM)", "Analytics Calculation (1 AM)"; issue 10 item 7).

How "00:30 in each user's time zone" runs on one schedule: EventBridge Scheduler invokes each job
every 15 minutes (UTC); a run takes every user whose local clock has passed the job's time today
and for whom the job has not yet run for their local date (``wellness.job_runs``), so each user
is processed once a local day, within 15 minutes after their 00:30 (every UTC offset is a multiple
of 15 minutes). A failed or interrupted run leaves its users due: the next run (or the Scheduler's
retry) takes them, so nothing is lost and nothing runs twice for a day.

Each run is set-based: due users in batches of :data:`BATCH` (one transaction each, bounded lock
count), each batch one ``wellness.analytics.run`` (the same SQL over all its users).

- patterns (00:30): refresh the figures of yesterday and the day before (uploads already did;
  this catches a lost message), goal progress, then the nine detectors as of each user's latest
  day with data.
- analytics (01:00): statistics, streaks, score (``user_stats``), and once per UTC day the
  cross-user trends of the past week (k-anonymous).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Any

from backlot import db
from backlot.jobs import remaining_ms, scheduled_job_handler

from wellness import analytics
from wellness.repository import jobs as repo
from wellness.repository import stats as stats_repo
from wellness.settings import get_settings

PATTERNS_AT = time(0, 30)
ANALYTICS_AT = time(1, 0)
BATCH = 1000
#: stop taking batches when less than this is left of the invocation (ms)
RESERVE_MS = 60_000


def _batches(job: str, at: time, context: Any, work: Any) -> dict[str, int]:
    clock = remaining_ms(context)
    totals: dict[str, int] = {"users": 0, "batches": 0}
    while clock is None or clock() > RESERVE_MS:
        with db.transaction() as conn:
            due = repo.due_users(conn, job, at, limit=BATCH)
            if not due:
                break
            users = [r["user_id"] for r in due]
            out = work(conn, due)
            repo.mark_done(conn, job, users, [r["local_today"] for r in due])
        totals["users"] += len(users)
        totals["batches"] += 1
        for k, v in out.items():
            if k != "users":
                totals[k] = totals.get(k, 0) + v
    return totals


def patterns_batch(conn: Any, due: list[dict[str, Any]]) -> dict[str, int]:
    """One batch of the 00:30 job: yesterday's figures refreshed, then the detectors."""
    pairs = [(r["user_id"], r["local_today"] - timedelta(days=n)) for r in due for n in (1, 2)]
    return analytics.run(conn, [r["user_id"] for r in due], pairs=pairs, stats=False)


def analytics_batch(conn: Any, due: list[dict[str, Any]]) -> dict[str, int]:
    """One batch of the 01:00 job: statistics, streaks and score."""
    return analytics.run(conn, [r["user_id"] for r in due], patterns=False)


def run_patterns(context: Any) -> dict[str, int]:
    """NightlyPatternsFunction: the users past 00:30 local not yet done today."""
    return _batches("patterns", PATTERNS_AT, context, patterns_batch)


def run_analytics(context: Any) -> dict[str, int]:
    """NightlyAnalyticsFunction: the users past 01:00 local not yet done today, then the trends."""
    out = _batches("analytics", ANALYTICS_AT, context, analytics_batch)
    out["trends"] = refresh_trends_once()
    return out


def refresh_trends_once(now: datetime | None = None) -> int:
    """The week ending yesterday (UTC) across all users, once per UTC day (0 when already done)."""
    period_end = (now or datetime.now(timezone.utc)).date() - timedelta(days=1)
    with db.transaction() as conn:
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('wellness.trends', 0))")
        if conn.execute("SELECT 1 FROM wellness.trends WHERE period_end = %s LIMIT 1", (period_end,)).fetchone():
            return 0
        return stats_repo.refresh_trends(conn, period_end, get_settings().trends_min_users)


patterns_handler = scheduled_job_handler(run_patterns)
analytics_handler = scheduled_job_handler(run_analytics)
