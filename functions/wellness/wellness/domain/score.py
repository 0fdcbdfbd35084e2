"""The 0-100 wellness score and its components (issue 10 item 6; design document 001, "Wellness
Metrics": "Wellness score (0-100)").

Precedent: RescueTime's Productivity Pulse (help.rescuetime.com, "How is my Productivity Pulse
calculated?"): every minute gets a level from very distracting (0) to very productive (4) and
``pulse = sum(minutes x level) / (total minutes x 4) x 100``. We keep that formula, unchanged, as
the *balance* component over app categories (:data:`CATEGORY_LEVELS`), and add what a phone
wellness score must also weigh and the Pulse ignores: how much (screen time against the user's
own daily goal), how often (unlocks), whether the user keeps their goals, and the active problem
patterns. The score is the weighted mean of the components the user has data for
(:data:`WEIGHTS`, renormalised over the present ones); ``None`` when none is present.

Components (each 0..100, over the last 7 days, rounded to integers):

- ``balance``: the Pulse over categorised minutes.
- ``screen_time``: 100 while the average day stays within the limit (the user's active daily
  screen-time goal, else :data:`DEFAULT_LIMIT_MINUTES`), falling linearly to 0 at twice the limit.
- ``pickups``: 100 up to 50 unlocks a day, linearly to 0 at 150 (pickup counts commonly reported
  by iOS Screen Time users sit in this range; our calibration).
- ``goals``: the share of (goal, day) pairs met.
- ``patterns``: 100 minus 25 per active problem pattern (morning person is not one), at least 0.
"""

from __future__ import annotations

from dataclasses import dataclass

#: RescueTime's five levels for app categories (ours: the document names categories, not levels)
CATEGORY_LEVELS: dict[str, int] = {
    "productivity": 4, "education": 4, "health & fitness": 4, "health": 4, "books": 4, "reference": 4,
    "business": 3, "finance": 3, "navigation": 3, "utilities": 3, "tools": 3, "communication": 3,
    "news": 2, "music": 2, "lifestyle": 2, "travel": 2, "weather": 2, "photography": 2, "other": 2,
    "entertainment": 1, "shopping": 1, "video": 1, "video players & editors": 1,
    "social": 0, "social networking": 0, "games": 0, "game": 0,
}
#: level of a category not in the table: neutral, as RescueTime's unrated activities
NEUTRAL_LEVEL = 2
WEIGHTS: dict[str, float] = {"balance": 0.30, "screen_time": 0.30, "pickups": 0.15, "goals": 0.15, "patterns": 0.10}
DEFAULT_LIMIT_MINUTES = 180
PICKUPS_GOOD, PICKUPS_BAD = 50, 150
PATTERN_PENALTY = 25


def category_level(category: str | None) -> int:
    """RescueTime level 0..4 of an app category (case-insensitive), :data:`NEUTRAL_LEVEL` if unknown."""
    return CATEGORY_LEVELS.get((category or "").strip().lower(), NEUTRAL_LEVEL)


@dataclass(frozen=True, slots=True)
class ScoreInput:
    """Figures over the last 7 days; ``None`` where the user sent nothing to compute them from."""

    #: sum of minutes x level over categorised minutes, and those minutes
    level_minutes: float | None = None
    categorized_minutes: float | None = None
    avg_screen_time_minutes: float | None = None
    limit_minutes: float | None = None
    avg_unlocks: float | None = None
    goal_days_total: int = 0
    goal_days_met: int = 0
    active_problem_patterns: int | None = None


def _linear(value: float, good: float, bad: float) -> float:
    if value <= good:
        return 100.0
    if value >= bad:
        return 0.0
    return 100.0 * (bad - value) / (bad - good)


def components(x: ScoreInput) -> dict[str, int | None]:
    """Each component 0..100, or None when its data is missing (see module docstring)."""
    out: dict[str, int | None] = dict.fromkeys(WEIGHTS)
    if x.categorized_minutes and x.level_minutes is not None:
        out["balance"] = round(x.level_minutes / (x.categorized_minutes * 4) * 100)
    if x.avg_screen_time_minutes is not None:
        limit = x.limit_minutes or DEFAULT_LIMIT_MINUTES
        out["screen_time"] = round(_linear(x.avg_screen_time_minutes, limit, 2 * limit))
    if x.avg_unlocks is not None:
        out["pickups"] = round(_linear(x.avg_unlocks, PICKUPS_GOOD, PICKUPS_BAD))
    if x.goal_days_total:
        out["goals"] = round(100 * x.goal_days_met / x.goal_days_total)
    if x.active_problem_patterns is not None:
        out["patterns"] = max(0, 100 - PATTERN_PENALTY * x.active_problem_patterns)
    return out


def wellness_score(parts: dict[str, int | None]) -> int | None:
    """``round(sum(w_i x c_i) / sum(w_i))`` over the present components ``c_i`` (0..100), so the
    result is 0..100; None when no component is present. Only ``patterns`` present (a user who
    sent nothing usable) counts as absent too: a score needs usage."""
    present = {k: v for k, v in parts.items() if v is not None}
    if not (present.keys() - {"patterns"}):
        return None
    total = sum(WEIGHTS[k] for k in present)
    return round(sum(WEIGHTS[k] * v for k, v in present.items()) / total)
