"""The analytics computation: daily figures, goal progress, streak days, patterns, statistics and
the wellness score, set-based over any set of users (issue 10 items 5-7).

Two entry points, one computation:

- :func:`recalculate` — one user, the days an upload touched (WELLNESS.md: wusage's
  ``RecalculateQueue`` consumer calls it after every upload, so results are current within
  seconds instead of after the night: the document's "No Real-time Updates" weakness).
- :func:`run` — many users at once (the nightly jobs, ``wellness.jobs.nightly``): the same SQL
  statements over a larger target set, never a query per user. Pattern rules are pure Python
  (``wellness.domain.patterns``) applied to the rows of one query that fetched every user's
  window; their verdicts are written back with one ``unnest`` statement per kind.

Each run takes a transaction-level advisory lock per user (sorted, so two runs never deadlock):
an upload's recalculation and the nightly run of the same user serialise instead of
interleaving their upserts. The caller owns the transaction (``backlot.db.transaction``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import psycopg

from wellness.repository import analytics as repo
from wellness.domain.patterns import POSITIVE, DayStats, detect_all
from wellness.domain.patterns.base import BASELINE_DAYS, WINDOW_DAYS, SortedDays
from wellness.domain.score import DEFAULT_LIMIT_MINUTES, ScoreInput, components, wellness_score
from wellness.domain.stats import METRICS, change_pct

#: days of figures the detectors read: window + baseline (weekend warrior reads 28 of them)
SPAN_DAYS = WINDOW_DAYS + BASELINE_DAYS


def lock_users(conn: psycopg.Connection, users: Iterable[UUID]) -> None:
    """Transaction advisory locks on the users, in a fixed order."""
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(u::text, 7103)) FROM unnest(%s::uuid[]) u ORDER BY u::text",
        (sorted({str(u) for u in users}),),
    )


def recalculate(conn: psycopg.Connection, user_id: UUID | str, dates: Sequence[date | str]) -> dict[str, int]:
    """Recompute one user's analytics after an upload of ``dates`` (local dates, ISO strings or
    dates): their daily figures and goal progress, then patterns and statistics as of the user's
    latest day with data. Idempotent: running it twice gives the same rows.

    Returns counts ``{"days", "checks", "detected", "resolved", "stats"}``.
    """
    uid = UUID(str(user_id))
    days = sorted({d if isinstance(d, date) else date.fromisoformat(d) for d in dates})
    lock_users(conn, [uid])
    repo.create_targets(conn, [(uid, d) for d in days])
    written = repo.refresh_daily_stats(conn)
    repo.refresh_goals_and_streak_days(conn, default_limit=DEFAULT_LIMIT_MINUTES)
    repo.create_users(conn, [uid])
    return {"days": written, **detect_patterns(conn), "stats": compute_stats(conn)}


def refresh_goals(conn: psycopg.Connection, user_id: UUID) -> dict[str, int]:
    """After a goal is created, changed or deleted: its progress on every day of the user with
    data, the streak days, and the statistics (patterns do not depend on goals)."""
    uid = UUID(str(user_id))
    lock_users(conn, [uid])
    dates = [r["stat_date"] for r in conn.execute(
        "SELECT stat_date FROM wellness.user_daily_stats WHERE user_id = %s", (uid,)).fetchall()]
    repo.create_targets(conn, [(uid, d) for d in dates])
    repo.refresh_goals_and_streak_days(conn, default_limit=DEFAULT_LIMIT_MINUTES)
    repo.create_users(conn, [uid])
    return {"days": len(dates), "stats": compute_stats(conn)}


def run(conn: psycopg.Connection, users: Sequence[UUID], *, pairs: Sequence[tuple[UUID, date]] | None = None,
        first: date | None = None, last: date | None = None, patterns: bool = True, stats: bool = True) -> dict[str, int]:
    """The computation for many users in one transaction: the daily figures and goal progress of
    ``pairs`` (user, local date), or of every day ``first..last`` of every user, when given; then
    patterns and/or statistics of all ``users``. Batch-sized hash aggregates stay in memory
    (``work_mem`` 64 MB for this transaction only)."""
    conn.execute("SET LOCAL work_mem = '64MB'")
    lock_users(conn, users)
    out: dict[str, int] = {"users": len(users)}
    if pairs is not None:
        repo.create_targets(conn, pairs)
    elif first is not None and last is not None:
        repo.create_targets_range(conn, users, first, last)
    if pairs is not None or (first is not None and last is not None):
        out["days"] = repo.refresh_daily_stats(conn)
        repo.refresh_goals_and_streak_days(conn, default_limit=DEFAULT_LIMIT_MINUTES)
    repo.create_users(conn, users)
    if patterns:
        out.update(detect_patterns(conn))
    if stats:
        out["stats"] = compute_stats(conn)
    return out


def detect_patterns(conn: psycopg.Connection) -> dict[str, int]:
    """Run the nine detectors for every user of ``_users`` over their window and save the verdicts."""
    results = []
    for user_id, as_of, rows in repo.window_days(conn, SPAN_DAYS):
        for outcome in detect_all(SortedDays(DayStats(*r) for r in rows), as_of):
            results.append((user_id, as_of, outcome))
    return repo.save_outcomes(conn, results)


def _r(x: Any, nd: int = 1) -> float | None:
    return None if x is None else round(float(x), nd)


def _hhmm(minute: float | None) -> str | None:
    if minute is None:
        return None
    m = int(round(minute))
    return f"{m // 60:02d}:{m % 60:02d}"


def shape_stats(row: dict[str, Any]) -> dict[str, Any]:
    """One ``user_stats`` row from :func:`repo.stats_inputs` output: score, components, streaks
    and the :data:`wellness.domain.stats.METRICS` (pure; units in that module)."""
    parts = components(ScoreInput(
        level_minutes=row["level_minutes_7d"], categorized_minutes=row["categorized_minutes_7d"],
        avg_screen_time_minutes=row["avg_daily_screen_time_minutes"], limit_minutes=row["screen_time_limit"],
        avg_unlocks=row["avg_daily_unlocks"], goal_days_total=int(row["goal_days_7d"]), goal_days_met=int(row["goal_met_7d"]),
        active_problem_patterns=int(row["active_problem_patterns"]),
    ))
    score = wellness_score(parts)
    week, last_week = row["avg_daily_screen_time_minutes"], row["last_week_avg_minutes"]
    month, last_month = row["avg_daily_screen_time_minutes_30d"], row["last_month_avg_minutes"]
    goal_days = row["goal_days_30d"] or 0
    metrics = {
        "days_tracked": row["days_tracked"], "first_day": row["first_day"].isoformat(), "last_day": row["last_day"].isoformat(),
        "total_screen_time_minutes": _r(row["total_screen_time_minutes"]),
        "avg_daily_screen_time_minutes": _r(week), "avg_daily_screen_time_minutes_30d": _r(month),
        "max_daily_screen_time_minutes": _r(row["max_daily_screen_time_minutes"]),
        "min_daily_screen_time_minutes": _r(row["min_daily_screen_time_minutes"]),
        "total_unlocks": row["total_unlocks"], "avg_daily_unlocks": _r(row["avg_daily_unlocks"]),
        "total_notifications": row["total_notifications"], "avg_daily_notifications": _r(row["avg_daily_notifications"]),
        "avg_first_use": _hhmm(row["avg_first_use_minute"]), "avg_night_minutes": _r(row["avg_night_minutes"]),
        "avg_social_minutes": _r(row["avg_social_minutes"]), "avg_apps_per_day": _r(row["avg_apps_per_day"]),
        "weekday_avg_minutes": _r(row["weekday_avg_minutes"]), "weekend_avg_minutes": _r(row["weekend_avg_minutes"]),
        "this_week_avg_minutes": _r(week), "last_week_avg_minutes": _r(last_week),
        "week_over_week_change_pct": change_pct(week, last_week),
        "this_month_avg_minutes": _r(month), "last_month_avg_minutes": _r(last_month),
        "month_over_month_change_pct": change_pct(month, last_month),
        "active_goals": row["active_goals"], "goals_achieved_count": int(row["goals_achieved_count"] or 0),
        "goal_success_rate": round((row["goal_met_30d"] or 0) / goal_days, 2) if goal_days else None,
        "active_patterns_count": row["active_patterns_count"], "resolved_patterns_count": row["resolved_patterns_count"],
        "current_streak": row["current_streak"], "longest_streak": row["longest_streak"], "wellness_score": score,
    }
    assert list(metrics) == list(METRICS)
    return {
        "user_id": row["user_id"], "as_of": row["as_of"], "wellness_score": score, "score_components": parts,
        "current_streak": row["current_streak"], "longest_streak": row["longest_streak"], "metrics": metrics,
    }


def compute_stats(conn: psycopg.Connection) -> int:
    """Statistics, streaks and score of every user of ``_users``: one aggregate query, one upsert."""
    rows = [shape_stats(r) for r in repo.stats_inputs(conn, [p.value for p in POSITIVE])]
    return repo.save_stats(conn, rows) if rows else 0
