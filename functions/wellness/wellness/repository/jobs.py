"""SQL of the scheduled jobs: who is due in their own time zone, the job clock, the cleanup."""

from __future__ import annotations

from datetime import date, time
from typing import Any
from uuid import UUID

import psycopg

DUE = """
WITH users AS (
    SELECT DISTINCT d.user_id FROM wellness.devices d
),
clock AS (
    SELECT u.user_id, (now() AT TIME ZONE COALESCE(p.time_zone, 'UTC')) AS local_now
    FROM users u LEFT JOIN wellness.profiles p ON p.user_id = u.user_id
)
SELECT c.user_id, c.local_now::date AS local_today
FROM clock c
LEFT JOIN wellness.job_runs r ON r.user_id = c.user_id AND r.job = %(job)s
WHERE c.local_now::time >= %(at)s
  AND (%(isodow)s::int IS NULL OR extract(isodow FROM c.local_now) = %(isodow)s)
  AND (r.local_date IS NULL OR r.local_date < c.local_now::date)
ORDER BY c.user_id
LIMIT %(limit)s
"""


def due_users(conn: psycopg.Connection, job: str, at: time, *, isodow: int | None = None, limit: int = 100_000) -> list[dict[str, Any]]:
    """Users (with a device) whose local clock passed ``at`` today (on ISO weekday ``isodow`` when
    given: 7 = Sunday) and for whom ``job`` has not run for their local today: ``[{user_id,
    local_today}]``. A run that failed or stopped early leaves them due: the next run takes them."""
    return conn.execute(DUE, {"job": job, "at": at, "isodow": isodow, "limit": limit}).fetchall()


def mark_done(conn: psycopg.Connection, job: str, users: list[UUID], local_days: list[date]) -> None:
    conn.execute(
        """INSERT INTO wellness.job_runs (user_id, job, local_date, ran_at)
           SELECT u, %s, d, now() FROM unnest(%s::uuid[], %s::date[]) AS x(u, d)
           ON CONFLICT (user_id, job) DO UPDATE SET local_date = EXCLUDED.local_date, ran_at = now()""",
        (job, users, local_days),
    )


def cleanup(conn: psycopg.Connection, users: list[UUID], local_days: list[date], *, raw_days: int, resolved_days: int) -> dict[str, int]:
    """Delete, for these users, raw usage older than ``raw_days`` before their local today (app and
    category rows, sessions, unlock events) and patterns resolved more than ``resolved_days`` ago.
    Day totals (``daily_usage``) and daily figures (``user_daily_stats``) stay. Set-based."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _cleanup (user_id uuid PRIMARY KEY, cutoff date) ON COMMIT DROP")
    conn.execute("TRUNCATE _cleanup")
    conn.execute("INSERT INTO _cleanup SELECT u, d - %s FROM unnest(%s::uuid[], %s::date[]) AS x(u, d)", (raw_days, users, local_days))
    out = {}
    for name, sql in (
        ("app_rows", "DELETE FROM wellness.app_daily_usage a USING _cleanup c WHERE a.user_id = c.user_id AND a.usage_date < c.cutoff"),
        ("category_rows", "DELETE FROM wellness.category_daily_usage a USING _cleanup c WHERE a.user_id = c.user_id AND a.usage_date < c.cutoff"),
        ("sessions", "DELETE FROM wellness.app_sessions s USING _cleanup c WHERE s.user_id = c.user_id AND s.started_at < c.cutoff - interval '1 day'"),
        ("unlock_events", "DELETE FROM wellness.unlock_events e USING _cleanup c WHERE e.user_id = c.user_id AND e.occurred_at < c.cutoff - interval '1 day'"),
    ):
        out[name] = conn.execute(sql).rowcount
    out["resolved_patterns"] = conn.execute(
        "DELETE FROM wellness.patterns p USING _cleanup c WHERE p.user_id = c.user_id AND p.status = 'resolved' "
        "AND p.resolved_at < now() - make_interval(days => %s)", (resolved_days,)).rowcount
    return out
