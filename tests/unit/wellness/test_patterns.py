"""The nine detectors: for each, a user who shows the behaviour, one who does not, and one who
never sent what the detector needs (``insufficient_data``, never a guess)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from wellness.domain.patterns import DETECTORS, PatternType, Severity, Verdict, detect_all
from wellness.domain.patterns.base import DayStats, confidence_for, severity_for

AS_OF = date(2024, 3, 31)  # a Sunday


def days(n: int = 35, **figures: object) -> list[DayStats]:
    """``n`` days ending at AS_OF with the same figures."""
    return [DayStats(AS_OF - timedelta(days=i), **figures) for i in range(n)]  # type: ignore[arg-type]


def last_week(base: list[DayStats], **figures: object) -> list[DayStats]:
    """Replace the figures of the last 7 days (the window)."""
    start = AS_OF - timedelta(days=6)
    return [replace(d, **figures) if d.stat_date >= start else d for d in base]  # type: ignore[arg-type]


def run(t: PatternType, ds: list[DayStats]):
    return DETECTORS[t](ds, AS_OF)


# (pattern, days that trigger, days that do not, days without the needed data)
CASES = {
    PatternType.BINGE_USAGE: (
        days(sessions=10, short_sessions=2, long_sessions=1, longest_session_minutes=95.0),
        days(sessions=10, short_sessions=2, long_sessions=0, longest_session_minutes=40.0),
        days(screen_time_minutes=300.0, unlocks=80),
    ),
    PatternType.NIGHT_OWL: (
        days(night_minutes=45.0),
        days(night_minutes=5.0, night_unlocks=1),
        days(screen_time_minutes=300.0, first_use_minute=7 * 60, distinct_apps=20),
    ),
    PatternType.MORNING_PERSON: (
        days(first_use_minute=6 * 60 + 10),
        days(first_use_minute=8 * 60 + 30),
        days(screen_time_minutes=200.0),
    ),
    PatternType.WEEKEND_WARRIOR: (
        [DayStats(d.stat_date, screen_time_minutes=400.0 if d.stat_date.weekday() >= 5 else 150.0) for d in days()],
        days(screen_time_minutes=200.0),
        days(unlocks=50),
    ),
    PatternType.DISTRACTED: (
        last_week(days(sessions=30, short_sessions=10), sessions=60, short_sessions=40),
        days(sessions=30, short_sessions=10),
        days(screen_time_minutes=200.0, unlocks=40),
    ),
    PatternType.DOOM_SCROLLING: (
        days(social_minutes=130.0),
        days(social_minutes=40.0),
        days(screen_time_minutes=300.0, distinct_apps=12),
    ),
    PatternType.PHANTOM_VIBRATION: (
        last_week(days(unlocks=60), unlocks=120),
        days(unlocks=60),
        days(screen_time_minutes=300.0),
    ),
    PatternType.APP_SWITCHING: (
        last_week(days(distinct_apps=12), distinct_apps=22),
        days(distinct_apps=12),
        days(screen_time_minutes=300.0, unlocks=40),
    ),
    PatternType.NOTIFICATION_ADDICTION: (
        last_week(days(notifications=60, unlocks=50), notifications=150, unlocks=110),
        days(notifications=60, unlocks=50),
        days(screen_time_minutes=300.0, unlocks=40),
    ),
}


def test_every_type_has_cases() -> None:
    assert set(CASES) == set(PatternType) == set(DETECTORS)


@pytest.mark.parametrize("t", list(PatternType))
def test_triggers(t: PatternType) -> None:
    out = run(t, CASES[t][0])
    assert out.verdict is Verdict.DETECTED, out.reason
    assert out.severity in set(Severity)
    assert 0 < (out.confidence or 0) <= 1
    assert out.metadata and out.reason


@pytest.mark.parametrize("t", list(PatternType))
def test_does_not_trigger(t: PatternType) -> None:
    out = run(t, CASES[t][1])
    assert out.verdict is Verdict.NOT_DETECTED, out.reason
    assert out.severity is None and out.confidence is None


@pytest.mark.parametrize("t", list(PatternType))
def test_insufficient_data(t: PatternType) -> None:
    out = run(t, CASES[t][2])
    assert out.verdict is Verdict.INSUFFICIENT_DATA, out.reason
    assert "needs" in out.metadata


@pytest.mark.parametrize("t", list(PatternType))
def test_no_days_at_all_is_insufficient(t: PatternType) -> None:
    assert run(t, []).verdict is Verdict.INSUFFICIENT_DATA


def test_night_owl_without_time_of_day_says_so() -> None:
    """A StayFree-like user (per-app minutes and launches, no time of day at all)."""
    out = run(PatternType.NIGHT_OWL, days(screen_time_minutes=500.0, distinct_apps=30, launches=200, launch_minutes=500.0))
    assert out.verdict is Verdict.INSUFFICIENT_DATA
    assert "time of day" in out.reason


def test_relative_threshold_follows_the_users_baseline() -> None:
    """120 unlocks a day is normal for a user whose usual is 110: not phantom vibration."""
    assert run(PatternType.PHANTOM_VIBRATION, days(unlocks=110)).verdict is Verdict.NOT_DETECTED
    out = run(PatternType.PHANTOM_VIBRATION, last_week(days(unlocks=110), unlocks=170))
    assert out.verdict is Verdict.DETECTED and out.metadata["relative"] is True
    assert out.metadata["baseline"] == 110


def test_short_baseline_falls_back_to_absolute_threshold_with_less_confidence() -> None:
    out = run(PatternType.PHANTOM_VIBRATION, days(7, unlocks=130))
    assert out.verdict is Verdict.DETECTED
    assert out.metadata["relative"] is False and out.metadata["threshold"] == 100
    assert out.confidence == confidence_for(7, relative=False) < 1


def test_binge_from_launches_is_a_proxy_with_lower_confidence() -> None:
    out = run(PatternType.BINGE_USAGE, days(max_minutes_per_launch=75.0, launches=20, launch_minutes=300.0))
    assert out.verdict is Verdict.DETECTED
    assert out.metadata["source"] == "launches" and out.confidence == 0.7


def test_distracted_from_launches() -> None:
    base = days(launches=80, launch_minutes=200.0)
    out = run(PatternType.DISTRACTED, last_week(base, launches=200, launch_minutes=300.0))
    assert out.verdict is Verdict.DETECTED and out.metadata["source"] == "launches"
    # many launches of long use: not distraction
    assert run(PatternType.DISTRACTED, last_week(base, launches=200, launch_minutes=900.0)).verdict is Verdict.NOT_DETECTED


def test_notifications_ignored_are_not_addiction() -> None:
    out = run(PatternType.NOTIFICATION_ADDICTION, last_week(days(notifications=60, unlocks=20), notifications=150, unlocks=30))
    assert out.verdict is Verdict.NOT_DETECTED and "per notification" in out.reason


def test_only_the_window_counts() -> None:
    """Long sessions a month ago, none this week: binge usage is over (so it resolves)."""
    old = [replace(d, long_sessions=1) if d.stat_date < AS_OF - timedelta(days=10) else d
           for d in days(sessions=10, short_sessions=1, long_sessions=0)]
    assert run(PatternType.BINGE_USAGE, old).verdict is Verdict.NOT_DETECTED


def test_severity_scale() -> None:
    assert severity_for(1.0) is Severity.LOW
    assert severity_for(1.3) is Severity.MEDIUM
    assert severity_for(2.0) is Severity.HIGH
    strong = run(PatternType.PHANTOM_VIBRATION, last_week(days(unlocks=60), unlocks=200))
    weak = run(PatternType.PHANTOM_VIBRATION, last_week(days(unlocks=60), unlocks=95))
    assert (strong.severity, weak.severity) == (Severity.HIGH, Severity.LOW)


def test_detect_all_answers_every_type_once() -> None:
    outs = detect_all(days(screen_time_minutes=100.0), AS_OF)
    assert [o.pattern_type for o in outs] == list(PatternType)


def test_the_window_query_returns_daystats_fields_in_order() -> None:
    """``repository.analytics.window_days`` rows become ``DayStats(*row)``: same order."""
    from dataclasses import fields

    from wellness.repository.analytics import DAY_COLUMNS

    names = [c.split(" AS ")[-1].split("::")[0].strip() for c in DAY_COLUMNS.split(", ")]
    assert names == [f.name for f in fields(DayStats)]
