"""Patterns, goals and analytics: request and response models (document 001, Usage and Analytics
apps; issue 10 items 5-6). Definitions of the figures: ``wellness.domain`` (patterns, score,
streaks, stats)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from backlot.models import LinkPage, PublicModel, RequestModel

from wellness.domain.patterns.base import PatternType


class PatternStatus(StrEnum):
    ACTIVE = "active"
    RESOLVED = "resolved"


class PatternPublic(PublicModel):
    """A detected pattern. ``reason`` says why in one sentence, ``metadata`` holds the figures
    (observed value, threshold, the user's baseline, evidence days, data source)."""

    id: UUID
    pattern_type: PatternType
    status: PatternStatus
    severity: Literal["low", "medium", "high"]
    confidence: float = Field(ge=0, le=1)
    reason: str
    metadata: dict[str, Any]
    first_detected_on: date
    last_detected_on: date
    resolved_on: date | None = None
    created_at: datetime
    updated_at: datetime


class PatternPage(LinkPage):
    results: list[PatternPublic]


class GoalType(StrEnum):
    DAILY_SCREEN_TIME = "daily_screen_time"
    APP_TIME = "app_time"
    CATEGORY_TIME = "category_time"
    UNLOCKS = "unlocks"


class GoalCreate(RequestModel):
    """A daily limit: ``target`` minutes (screen time, one app, one category) or unlocks a day,
    met on a day when the day's value <= target. ``app`` (the app identifier as uploaded, e.g.
    the package name) is required for ``app_time`` only, ``category`` for ``category_time`` only.
    ``start_date``: the first local day it applies to (every day with data when absent)."""

    goal_type: GoalType
    target: int = Field(ge=0, le=100_000)
    app: str | None = Field(default=None, min_length=1, max_length=255)
    category: str | None = Field(default=None, min_length=1, max_length=100)
    name: str | None = Field(default=None, max_length=200)
    is_active: bool = True
    start_date: date | None = None


class GoalUpdate(RequestModel):
    """PATCH: the fields to change (same rules as :class:`GoalCreate`)."""

    goal_type: GoalType | None = None
    target: int | None = Field(default=None, ge=0, le=100_000)
    app: str | None = Field(default=None, min_length=1, max_length=255)
    category: str | None = Field(default=None, min_length=1, max_length=100)
    name: str | None = Field(default=None, max_length=200)
    is_active: bool | None = None
    start_date: date | None = None


class GoalProgress(PublicModel):
    """The goal on its latest measured day."""

    date: date
    value: float
    target: int
    achieved: bool


class GoalPublic(PublicModel):
    """A goal with its progress: the latest measured day, and how many measured days met it."""

    id: UUID
    goal_type: GoalType
    target: int
    app: str | None = None
    category: str | None = None
    name: str | None = None
    is_active: bool
    start_date: date | None = None
    progress: GoalProgress | None = None
    achieved_days: int
    measured_days: int
    created_at: datetime
    updated_at: datetime


class GoalPage(LinkPage):
    results: list[GoalPublic]


class ScoreComponents(PublicModel):
    """Each 0..100 or null without data (``wellness.domain.score``)."""

    balance: int | None = None
    screen_time: int | None = None
    pickups: int | None = None
    goals: int | None = None
    patterns: int | None = None


class PatternCheck(PublicModel):
    """The latest verdict of one detector, ``insufficient_data`` included (with what it needs)."""

    pattern_type: PatternType
    verdict: Literal["detected", "not_detected", "insufficient_data"]
    reason: str
    as_of: date


class Metrics(PublicModel):
    """The user statistics; definitions in ``wellness.domain.stats.METRICS``. Minutes are summed
    over the user's devices; averages are per day with data."""

    days_tracked: int
    first_day: date
    last_day: date
    total_screen_time_minutes: float | None = None
    avg_daily_screen_time_minutes: float | None = None
    avg_daily_screen_time_minutes_30d: float | None = None
    max_daily_screen_time_minutes: float | None = None
    min_daily_screen_time_minutes: float | None = None
    total_unlocks: int | None = None
    avg_daily_unlocks: float | None = None
    total_notifications: int | None = None
    avg_daily_notifications: float | None = None
    avg_first_use: str | None = Field(default=None, description="HH:MM local")
    avg_night_minutes: float | None = None
    avg_social_minutes: float | None = None
    avg_apps_per_day: float | None = None
    weekday_avg_minutes: float | None = None
    weekend_avg_minutes: float | None = None
    this_week_avg_minutes: float | None = None
    last_week_avg_minutes: float | None = None
    week_over_week_change_pct: float | None = None
    this_month_avg_minutes: float | None = None
    last_month_avg_minutes: float | None = None
    month_over_month_change_pct: float | None = None
    active_goals: int
    goals_achieved_count: int
    goal_success_rate: float | None = None
    active_patterns_count: int
    resolved_patterns_count: int
    current_streak: int
    longest_streak: int
    wellness_score: int | None = None


class StatsPublic(PublicModel):
    """``GET /api/analytics/stats/``: the cached statistics (kept current by every upload's
    recalculation and the nightly run). ``as_of`` is the latest local day with data; everything is
    null/0 before the first upload."""

    as_of: date | None = None
    wellness_score: int | None = Field(default=None, ge=0, le=100)
    score_components: ScoreComponents
    current_streak: int
    longest_streak: int
    metrics: Metrics | None = None
    pattern_checks: list[PatternCheck]
    computed_at: datetime | None = None


class PeriodFigures(PublicModel):
    start: date
    end: date
    days_with_data: int
    avg_daily_screen_time_minutes: float | None = None
    avg_daily_unlocks: float | None = None
    avg_daily_notifications: float | None = None


class Comparison(PublicModel):
    """``GET /api/analytics/comparisons/?period=week|month``: the last 7 (30) days ending at the
    latest day with data against the 7 (30) before; ``change_pct`` per figure (null without both
    sides)."""

    period: Literal["week", "month"]
    current: PeriodFigures | None = None
    previous: PeriodFigures | None = None
    change_pct: dict[str, float | None]


class TrendItem(PublicModel):
    key: str
    name: str | None = None
    users: int
    avg_minutes_per_user: float | None = None
    share_of_users: float | None = None


class TrendsPublic(PublicModel):
    """``GET /api/analytics/trends/``: the week's trend across users, only rows shared by at
    least ``min_users`` users (k-anonymity)."""

    kind: Literal["popular_apps", "usage_patterns"]
    period_end: date | None = None
    min_users: int
    results: list[TrendItem]
