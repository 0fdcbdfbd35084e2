"""SQL of the analytics endpoints: the cached statistics, the period comparisons and the
cross-user trends (their weekly refresh included)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import psycopg


def get_stats(conn: psycopg.Connection, user_id: UUID) -> dict[str, Any] | None:
    """The user's cached statistics row (None before their first computed upload)."""
    return conn.execute(
        "SELECT as_of, wellness_score, score_components, current_streak, longest_streak, metrics, computed_at "
        "FROM wellness.user_stats WHERE user_id = %s", (user_id,)).fetchone()


def period_figures(conn: psycopg.Connection, user_id: UUID, days: int) -> dict[str, Any] | None:
    """Averages per day with data over the ``days`` days ending at the user's latest day with data
    (``current``) and the ``days`` before (``previous``); None without data."""
    latest = conn.execute("SELECT max(stat_date) AS d FROM wellness.user_daily_stats WHERE user_id = %s", (user_id,)).fetchone()["d"]
    if latest is None:
        return None
    rows = conn.execute(
        """SELECT (%(latest)s - stat_date) / %(days)s AS bucket, count(*) FILTER (WHERE screen_time_minutes IS NOT NULL) AS days_with_data,
                  avg(screen_time_minutes)::float8 AS avg_daily_screen_time_minutes, avg(unlocks)::float8 AS avg_daily_unlocks,
                  avg(notifications)::float8 AS avg_daily_notifications
           FROM wellness.user_daily_stats WHERE user_id = %(user)s AND stat_date > %(latest)s - 2 * %(days)s AND stat_date <= %(latest)s
           GROUP BY 1""", {"latest": latest, "days": days, "user": user_id}).fetchall()
    out: dict[str, Any] = {}
    for name, bucket in (("current", 0), ("previous", 1)):
        end = latest - timedelta(days=bucket * days)
        row = next((r for r in rows if r["bucket"] == bucket), None)
        out[name] = {"start": end - timedelta(days=days - 1), "end": end, "days_with_data": 0, **(row or {})}
    return out


POPULAR_APPS = """
INSERT INTO wellness.trends (kind, period_end, key, users, value, computed_at)
SELECT 'popular_apps', %(end)s::date, app_key, count(DISTINCT user_id),
       jsonb_build_object('name', max(app_name), 'avg_minutes_per_user', round(sum(minutes) / count(DISTINCT user_id), 1)), now()
FROM wellness.app_daily_usage
WHERE usage_date > %(end)s::date - 7 AND usage_date <= %(end)s::date
GROUP BY app_key HAVING count(DISTINCT user_id) >= %(k)s
ON CONFLICT (kind, period_end, key) DO UPDATE SET users = EXCLUDED.users, value = EXCLUDED.value, computed_at = now()
"""

USAGE_PATTERNS = """
WITH checked AS (SELECT count(DISTINCT user_id) AS n FROM wellness.pattern_checks WHERE as_of > %(end)s::date - 7)
INSERT INTO wellness.trends (kind, period_end, key, users, value, computed_at)
SELECT 'usage_patterns', %(end)s::date, p.pattern_type, count(DISTINCT p.user_id),
       jsonb_build_object('share_of_users', round(count(DISTINCT p.user_id)::numeric / NULLIF(max(checked.n), 0), 3)), now()
FROM wellness.patterns p CROSS JOIN checked
WHERE p.status = 'active' OR p.resolved_on > %(end)s::date - 7
GROUP BY p.pattern_type HAVING count(DISTINCT p.user_id) >= %(k)s
ON CONFLICT (kind, period_end, key) DO UPDATE SET users = EXCLUDED.users, value = EXCLUDED.value, computed_at = now()
"""


def refresh_trends(conn: psycopg.Connection, period_end: date, k: int) -> int:
    """The week ending ``period_end`` (usage dates), every user at once: apps used by at least
    ``k`` users, patterns active (or resolved that week) for at least ``k`` users. Rows below ``k``
    are never stored. Replaces that week's rows (idempotent)."""
    conn.execute("DELETE FROM wellness.trends WHERE period_end = %s", (period_end,))
    n = conn.execute(POPULAR_APPS, {"end": period_end, "k": k}).rowcount
    return n + conn.execute(USAGE_PATTERNS, {"end": period_end, "k": k}).rowcount


def latest_trends(conn: psycopg.Connection, kind: str, k: int, limit: int) -> tuple[date | None, list[dict[str, Any]]]:
    """The latest stored week of ``kind``, most users first; rows under ``k`` filtered again (k may
    have been raised since)."""
    end = conn.execute("SELECT max(period_end) AS d FROM wellness.trends WHERE kind = %s", (kind,)).fetchone()["d"]
    if end is None:
        return None, []
    rows = conn.execute(
        "SELECT key, users, value->>'name' AS name, (value->>'avg_minutes_per_user')::float8 AS avg_minutes_per_user, "
        "(value->>'share_of_users')::float8 AS share_of_users FROM wellness.trends "
        "WHERE kind = %s AND period_end = %s AND users >= %s ORDER BY users DESC, key LIMIT %s",
        (kind, end, k, limit)).fetchall()
    return end, rows
