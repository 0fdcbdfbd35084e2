"""``/api/analytics/``: statistics with the wellness score and streaks, week/month comparisons,
and trends across users (document 001, Analytics App: "stats, trends"; issue 10 item 6)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query

from backlot.auth import Principal
from backlot.http import CurrentPrincipal

from wellness.http_api import API
from wellness.schemas.analytics import Comparison, StatsPublic, TrendsPublic
from wellness.services import stats as service

router = APIRouter(prefix="/api/analytics")


@router.get("/stats/", response_model=StatsPublic, responses=API.errors(401))
def get_stats(who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's statistics (cached, current after every upload): ``wellness_score`` 0-100 and
    its components, ``current_streak``, ``longest_streak``, the metrics and every detector's verdict."""
    return service.get_stats(who)


@router.get("/comparisons/", response_model=Comparison, responses=API.errors(400, 401))
def get_comparisons(period: Literal["week", "month"] = "week", who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The last 7 (or 30) days against the 7 (30) before, per day with data."""
    return service.compare(who, period)


@router.get("/trends/", response_model=TrendsPublic, responses=API.errors(400, 401))
def get_trends(kind: Literal["popular_apps", "usage_patterns"] = "popular_apps",
               limit: int = Query(default=20, ge=1, le=100), who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The latest week across all users, only apps/patterns shared by at least ``min_users`` users."""
    return service.trends(kind, limit)
