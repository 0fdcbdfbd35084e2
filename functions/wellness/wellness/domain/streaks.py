"""Streaks (design document 001, "Streak tracking (current & longest)"; issue 10 item 6).

The rule:

- A *streak day* is a local calendar day (user's time zone) with screen time uploaded on which
  every goal that applied that day was met (each active goal with a measured value that day;
  a limit is met when ``value <= target``). A day with screen time and no goal that applied
  counts when the day's screen time stays within the default limit
  (:data:`wellness.domain.score.DEFAULT_LIMIT_MINUTES`, 3 h).
- A day without screen time uploaded is not a streak day: it breaks the run (we cannot tell).
- ``current_streak``: the run of consecutive streak days ending today or yesterday (local
  dates). Today not being a streak day (yet) does not break it: the day is not over. A run that
  ended before yesterday is over: 0.
- ``longest_streak``: the longest run of consecutive streak days ever stored (daily figures are
  kept when raw usage is cleaned up, so it survives the 90-day cleanup).

The set-based SQL of ``wellness.repository.analytics`` implements the same rule (gaps and islands:
``stat_date - row_number()`` is constant along a run); this module is its reference, and the
integration tests compare the two.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable


def is_streak_day(screen_time_minutes: float | None, goals_total: int, goals_met: int, default_limit: float) -> bool:
    """The streak-day rule above for one day's figures."""
    if screen_time_minutes is None:
        return False
    if goals_total:
        return goals_met >= goals_total
    return screen_time_minutes <= default_limit


def streaks(streak_days: Iterable[date], today: date) -> tuple[int, int]:
    """``(current_streak, longest_streak)`` from the set of streak days and the user's local
    ``today``; see the module docstring. ``streak_days`` only holds the days that qualified."""
    ordered = sorted(set(streak_days))
    longest = run = 0
    previous: date | None = None
    for d in ordered:
        run = run + 1 if previous is not None and d - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = d
    current = run if previous is not None and previous >= today - timedelta(days=1) else 0
    return current, longest
