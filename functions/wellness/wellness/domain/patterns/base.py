"""What every pattern detector shares: the per-day figures it reads, its outcome, and the rules for
windows, severity and confidence (issue 10 item 5; design document 001, "Usage Pattern Detection
(12:30 AM)": nine types, "severity and confidence scores", "metadata for each pattern").

A detector is a pure function ``detect(days, as_of) -> Outcome``. ``days`` are one user's rows of
``wellness.user_daily_stats`` (one per local calendar day in the user's profile time zone, summed
over the user's devices), any order, any span; the detector looks at two ranges ending at
``as_of`` (a local date, inclusive):

- the *window*: the last :data:`WINDOW_DAYS` days (``as_of - 6 .. as_of``): the behaviour now;
- the *baseline*: the :data:`BASELINE_DAYS` days before the window: the user's own normal, the
  reference for thresholds that are relative ("1.5 x your usual unlocks").

Every figure of a day is ``None`` when the user never sent what it is computed from (an iOS
Screen Time upload has no sessions; a StayFree export has no time of day). A detector that finds
fewer than :data:`MIN_EVIDENCE_DAYS` days carrying what it needs answers ``insufficient_data``
and says what is missing, instead of guessing.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Callable, Iterable

WINDOW_DAYS = 7
BASELINE_DAYS = 28
#: a relative threshold needs this many baseline days carrying the figure, else the absolute one applies
MIN_BASELINE_DAYS = 7
#: days in the window that must carry a detector's figure before it decides anything
MIN_EVIDENCE_DAYS = 3


class PatternType(StrEnum):
    """The nine pattern types of design document 001 ("Pattern Detection (9 Types)")."""

    BINGE_USAGE = "binge_usage"
    NIGHT_OWL = "night_owl"
    MORNING_PERSON = "morning_person"
    WEEKEND_WARRIOR = "weekend_warrior"
    DISTRACTED = "distracted"
    DOOM_SCROLLING = "doom_scrolling"
    PHANTOM_VIBRATION = "phantom_vibration"
    APP_SWITCHING = "app_switching"
    NOTIFICATION_ADDICTION = "notification_addiction"


class Verdict(StrEnum):
    """A detector's answer: the behaviour is there, is not there, or cannot be judged."""

    DETECTED = "detected"
    NOT_DETECTED = "not_detected"
    INSUFFICIENT_DATA = "insufficient_data"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class DayStats:
    """One user's figures for one local day (a row of ``wellness.user_daily_stats``).

    Units: minutes (float), counts (int), ``first_use_minute`` in minutes after local midnight.
    ``None`` means "not sent" (never 0 for "not sent").
    """

    stat_date: date
    screen_time_minutes: float | None = None
    unlocks: int | None = None
    notifications: int | None = None
    #: first use of the day at or after 04:00 local (first pickup, first unlock or first session)
    first_use_minute: int | None = None
    #: session minutes between 23:00 and 04:00 local; None without sessions that day
    night_minutes: float | None = None
    #: unlock events between 23:00 and 04:00 local; None without unlock events that day
    night_unlocks: int | None = None
    #: minutes in the Social category; None without category information that day
    social_minutes: float | None = None
    #: apps with at least one minute of use; None without per-app rows
    distinct_apps: int | None = None
    #: launches summed over apps; None when no app row carried launches
    launches: int | None = None
    #: minutes summed over the app rows that carried launches (pairs with ``launches``)
    launch_minutes: float | None = None
    #: the largest minutes/launches of one app that day (a session-length proxy)
    max_minutes_per_launch: float | None = None
    #: app sessions started that day; None without sessions
    sessions: int | None = None
    #: sessions shorter than 2 minutes
    short_sessions: int | None = None
    #: sessions of 60 minutes or more
    long_sessions: int | None = None
    longest_session_minutes: float | None = None
    goals_total: int = 0
    goals_met: int = 0


@dataclass(frozen=True, slots=True)
class Outcome:
    """A detector's result for one user and ``as_of``.

    ``severity`` and ``confidence`` (0..1, two decimals) are set only when ``verdict`` is
    ``detected``; ``reason`` is one sentence a person can read; ``metadata`` holds the figures
    that explain it (observed value, threshold, baseline, evidence days, data source).
    """

    pattern_type: PatternType
    verdict: Verdict
    reason: str
    severity: Severity | None = None
    confidence: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


Detector = Callable[[list[DayStats], date], Outcome]


class SortedDays(list):
    """Days sorted by date (oldest first), one per date: :func:`window` slices it by bisection
    instead of filtering and sorting (the nightly run evaluates 9 detectors x 10,000 users)."""

    __slots__ = ("dates",)

    def __init__(self, days: Iterable[DayStats]):
        super().__init__(sorted(days, key=lambda d: d.stat_date))
        self.dates = [d.stat_date for d in self]


def _between(days: Iterable[DayStats], start: date, end: date) -> list[DayStats]:
    if isinstance(days, SortedDays):
        return days[bisect_left(days.dates, start):bisect_right(days.dates, end)]
    return sorted((d for d in days if start <= d.stat_date <= end), key=lambda d: d.stat_date)


def window(days: Iterable[DayStats], as_of: date, length: int = WINDOW_DAYS) -> list[DayStats]:
    """The days of ``[as_of - length + 1, as_of]``, oldest first."""
    return _between(days, as_of - timedelta(days=length - 1), as_of)


def baseline(days: Iterable[DayStats], as_of: date) -> list[DayStats]:
    """The :data:`BASELINE_DAYS` days before the window, oldest first."""
    end = as_of - timedelta(days=WINDOW_DAYS)
    return _between(days, end - timedelta(days=BASELINE_DAYS - 1), end)


def values(days: Iterable[DayStats], attr: str) -> list[float]:
    """The non-None values of ``attr`` over ``days``."""
    return [v for d in days if (v := getattr(d, attr)) is not None]


def mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def severity_for(ratio: float) -> Severity:
    """Severity from how far the observed figure passes its threshold (``observed / threshold``,
    >= 1 when detected): below 1.25 low, below 1.6 medium, else high. Our rule: the document
    names severity without a scale."""
    if ratio < 1.25:
        return Severity.LOW
    if ratio < 1.6:
        return Severity.MEDIUM
    return Severity.HIGH


def confidence_for(evidence_days: int, *, direct: bool = True, relative: bool = True) -> float:
    """Confidence 0..1: the share of the window's days that carried evidence, x0.7 when the figure
    is a proxy (launches instead of sessions), x0.8 when the user's baseline was too short and an
    absolute threshold was used. Our rule (the document names confidence without a scale)."""
    c = min(1.0, evidence_days / WINDOW_DAYS)
    if not direct:
        c *= 0.7
    if not relative:
        c *= 0.8
    return round(c, 2)


def r2(x: float | None) -> float | None:
    return None if x is None else round(float(x), 2)


def insufficient(pattern_type: PatternType, needs: str, found: int) -> Outcome:
    """The explicit "cannot judge" answer: what the detector needs and how many window days had it."""
    return Outcome(
        pattern_type,
        Verdict.INSUFFICIENT_DATA,
        f"needs {needs} on at least {MIN_EVIDENCE_DAYS} of the last {WINDOW_DAYS} days; found {found}",
        metadata={"needs": needs, "evidence_days": found, "min_evidence_days": MIN_EVIDENCE_DAYS},
    )


def detected(
    pattern_type: PatternType, reason: str, *, ratio: float, evidence_days: int,
    direct: bool = True, relative: bool = True, meta: dict[str, Any],
) -> Outcome:
    """The "behaviour is there" answer; ``ratio`` = observed / threshold (severity), evidence days,
    ``direct`` (False for a proxy) and ``relative`` (False: absolute fallback) set confidence."""
    return Outcome(
        pattern_type, Verdict.DETECTED, reason,
        severity=severity_for(ratio),
        confidence=confidence_for(evidence_days, direct=direct, relative=relative),
        metadata={"evidence_days": evidence_days, **meta},
    )


def not_detected(pattern_type: PatternType, reason: str, *, meta: dict[str, Any]) -> Outcome:
    return Outcome(pattern_type, Verdict.NOT_DETECTED, reason, metadata=meta)


def relative_threshold(
    window_days: list[DayStats], base_days: list[DayStats], attr: str, *,
    factor: float, floor: float, absolute: float,
) -> tuple[float, float | None, bool]:
    """``(threshold, baseline_mean, relative)`` for an "above your usual" rule: ``max(floor,
    factor x baseline mean)`` when the baseline has :data:`MIN_BASELINE_DAYS` days carrying
    ``attr``, else ``absolute``."""
    base = values(base_days, attr)
    if len(base) >= MIN_BASELINE_DAYS:
        b = mean(base)
        assert b is not None
        return max(floor, factor * b), b, True
    return absolute, mean(base), False
