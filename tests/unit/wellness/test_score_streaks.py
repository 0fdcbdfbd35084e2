"""Wellness score (RescueTime-Pulse-based), streak rule and comparisons."""

from __future__ import annotations

from datetime import date, timedelta

from wellness.domain.score import ScoreInput, category_level, components, wellness_score
from wellness.domain.stats import METRICS, change_pct
from wellness.domain.streaks import is_streak_day, streaks

D = date(2024, 3, 31)


def test_balance_is_rescuetimes_pulse() -> None:
    # all very productive -> 100, all very distracting -> 0, half and half -> 50 (RescueTime's examples)
    assert components(ScoreInput(level_minutes=4 * 60, categorized_minutes=60))["balance"] == 100
    assert components(ScoreInput(level_minutes=0, categorized_minutes=60))["balance"] == 0
    assert components(ScoreInput(level_minutes=4 * 30, categorized_minutes=60))["balance"] == 50
    assert category_level("Social") == 0 and category_level("Productivity") == 4 and category_level("???") == 2


def test_screen_time_and_pickups_are_linear_between_good_and_bad() -> None:
    c = components(ScoreInput(avg_screen_time_minutes=270, limit_minutes=180, avg_unlocks=100))
    assert c["screen_time"] == 50 and c["pickups"] == 50
    assert components(ScoreInput(avg_screen_time_minutes=100))["screen_time"] == 100
    assert components(ScoreInput(avg_screen_time_minutes=400))["screen_time"] == 0


def test_score_renormalises_over_present_components() -> None:
    parts = {"balance": None, "screen_time": 80, "pickups": None, "goals": None, "patterns": 50}
    assert wellness_score(parts) == round((0.3 * 80 + 0.1 * 50) / 0.4)
    assert wellness_score({"balance": None, "screen_time": None, "pickups": None, "goals": None, "patterns": 100}) is None
    full = components(ScoreInput(level_minutes=120, categorized_minutes=60, avg_screen_time_minutes=90, avg_unlocks=40,
                                 goal_days_total=10, goal_days_met=10, active_problem_patterns=0))
    assert wellness_score(full) == round((0.3 * 50 + 0.3 * 100 + 0.15 * 100 + 0.15 * 100 + 0.1 * 100) / 1.0)
    assert components(ScoreInput(active_problem_patterns=9))["patterns"] == 0


def test_streak_day_rule() -> None:
    assert not is_streak_day(None, 0, 0, 180)  # no data: not a streak day
    assert is_streak_day(150, 0, 0, 180) and not is_streak_day(200, 0, 0, 180)  # default limit
    assert is_streak_day(400, 2, 2, 180) and not is_streak_day(100, 2, 1, 180)  # goals decide


def test_streaks() -> None:
    run = [D - timedelta(days=i) for i in (1, 2, 3)] + [D - timedelta(days=i) for i in range(10, 16)]
    assert streaks(run, today=D) == (3, 6)  # today not (yet) a streak day does not break it
    assert streaks(run, today=D + timedelta(days=2)) == (0, 6)  # a whole day missed: over
    assert streaks([], today=D) == (0, 0)
    assert streaks([D, D], today=D) == (1, 1)


def test_comparisons_and_metric_count() -> None:
    assert change_pct(90, 120) == -25.0
    assert change_pct(90, None) is None and change_pct(90, 0) is None
    assert len(METRICS) >= 28
