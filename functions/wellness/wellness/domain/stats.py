"""The user statistics (design document 001: "Comprehensive user statistics (28+ metrics)",
"Week/month comparisons"; issue 10 item 6). The document gives the count, not the list; this is
ours, each with its definition. All periods end on the statistics' ``as_of`` date (the user's
latest local day with data); minutes are summed over the user's devices.

Comparisons are of averages per day *with data* (not sums), so a week with a missing upload does
not look like an improvement: ``change_pct = (current - previous) / previous x 100``, None when
either side has no data or the previous is 0. Week: the last 7 days against the 7 before; month:
the last 30 days against the 30 before.
"""

from __future__ import annotations

#: name -> definition; the order of ``GET /wellness/api/analytics/stats/``'s ``metrics``
METRICS: dict[str, str] = {
    "days_tracked": "days with screen time uploaded, ever (daily figures are kept past the 90-day cleanup)",
    "first_day": "first local day with data",
    "last_day": "latest local day with data (the statistics' as_of)",
    "total_screen_time_minutes": "screen time over every day tracked",
    "avg_daily_screen_time_minutes": "average screen time a day, last 7 days",
    "avg_daily_screen_time_minutes_30d": "average screen time a day, last 30 days",
    "max_daily_screen_time_minutes": "the largest day's screen time, last 30 days",
    "min_daily_screen_time_minutes": "the smallest day's screen time, last 30 days",
    "total_unlocks": "unlocks (pickups) over every day tracked",
    "avg_daily_unlocks": "average unlocks a day, last 7 days",
    "total_notifications": "notifications over every day tracked",
    "avg_daily_notifications": "average notifications a day, last 7 days",
    "avg_first_use": "average time of first use (HH:MM, local), last 7 days",
    "avg_night_minutes": "average session minutes between 23:00 and 04:00, last 7 days",
    "avg_social_minutes": "average minutes in Social apps, last 7 days",
    "avg_apps_per_day": "average distinct apps used a day, last 7 days",
    "weekday_avg_minutes": "average screen time of a weekday, last 28 days",
    "weekend_avg_minutes": "average screen time of a Saturday or Sunday, last 28 days",
    "this_week_avg_minutes": "average screen time a day, last 7 days (week comparison)",
    "last_week_avg_minutes": "average screen time a day, the 7 days before",
    "week_over_week_change_pct": "(this week - last week) / last week x 100",
    "this_month_avg_minutes": "average screen time a day, last 30 days (month comparison)",
    "last_month_avg_minutes": "average screen time a day, the 30 days before",
    "month_over_month_change_pct": "(this month - last month) / last month x 100",
    "active_goals": "goals currently active",
    "goals_achieved_count": "goal-days met, ever (a goal met on a day counts once)",
    "goal_success_rate": "goal-days met / goal-days measured, last 30 days, 0..1",
    "active_patterns_count": "patterns active now",
    "resolved_patterns_count": "patterns resolved (kept 30 days after resolution)",
    "current_streak": "see wellness.domain.streaks",
    "longest_streak": "see wellness.domain.streaks",
    "wellness_score": "0..100, see wellness.domain.score",
}


def change_pct(current: float | None, previous: float | None) -> float | None:
    """Percent change of a per-day average, one decimal; None without both sides or from 0."""
    if current is None or previous is None or previous == 0:
        return None
    return round((float(current) - float(previous)) / float(previous) * 100, 1)
