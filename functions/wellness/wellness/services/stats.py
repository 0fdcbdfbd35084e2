"""Statistics, comparisons and trends use cases (document 001, Analytics App; issue 10 item 6)."""

from __future__ import annotations

from typing import Any

from backlot import db
from backlot.auth import Principal

from wellness.domain.stats import change_pct
from wellness.repository import patterns as patterns_repo
from wellness.repository import stats as repo
from wellness.settings import get_settings

EMPTY_COMPONENTS = {"balance": None, "screen_time": None, "pickups": None, "goals": None, "patterns": None}


def get_stats(who: Principal) -> dict[str, Any]:
    """The cached statistics row (``wellness.user_stats``) and the detectors' latest verdicts; an
    empty answer (nulls, zero streaks) before the first upload."""
    with db.transaction() as conn:
        row = repo.get_stats(conn, who.user_id)
        checks = patterns_repo.checks(conn, who.user_id)
    if row is None:
        return {"score_components": EMPTY_COMPONENTS, "current_streak": 0, "longest_streak": 0, "pattern_checks": checks}
    return {**row, "pattern_checks": checks}


def compare(who: Principal, period: str) -> dict[str, Any]:
    """Week (7 days) or month (30 days) against the period before, per day with data."""
    with db.transaction() as conn:
        figures = repo.period_figures(conn, who.user_id, 7 if period == "week" else 30)
    if figures is None:
        return {"period": period, "current": None, "previous": None, "change_pct": {}}
    cur, prev = figures["current"], figures["previous"]
    return {
        "period": period, **figures,
        "change_pct": {name: change_pct(cur.get(f"avg_daily_{name}"), prev.get(f"avg_daily_{name}"))
                       for name in ("screen_time_minutes", "unlocks", "notifications")},
    }


def trends(kind: str, limit: int) -> dict[str, Any]:
    """The latest week's trend of ``kind`` across all users, k-anonymous (settings.trends_min_users)."""
    k = get_settings().trends_min_users
    with db.transaction() as conn:
        end, rows = repo.latest_trends(conn, kind, k, limit)
    return {"kind": kind, "period_end": end, "min_users": k, "results": rows}
