"""Weekend warrior: more screen time on weekends."""

from __future__ import annotations

from datetime import date

from .base import DayStats, Outcome, PatternType, detected, insufficient, mean, not_detected, r2, window

#: weekends compared with weekdays over this many days (a week has only two weekend days)
SPAN_DAYS = 28
#: detected when the weekend day average is at least this multiple of the weekday average
FACTOR = 1.3
MIN_WEEKEND_DAYS, MIN_WEEKDAYS = 2, 4


def detect(days: list[DayStats], as_of: date) -> Outcome:
    """Weekend warrior: over the last 28 days, the average screen time of a Saturday or Sunday is
    at least 1.3 x the average of a weekday.

    Relative to the user's own weekdays by construction. Needs daily screen time on 2 weekend
    days and 4 weekdays of the 28, else ``insufficient_data``. Severity from (ratio / 1.3).
    """
    t = PatternType.WEEKEND_WARRIOR
    span = [d for d in window(days, as_of, SPAN_DAYS) if d.screen_time_minutes is not None]
    weekend = [float(d.screen_time_minutes or 0) for d in span if d.stat_date.weekday() >= 5]
    weekday = [float(d.screen_time_minutes or 0) for d in span if d.stat_date.weekday() < 5]
    if len(weekend) < MIN_WEEKEND_DAYS or len(weekday) < MIN_WEEKDAYS:
        out = insufficient(t, f"daily screen time on {MIN_WEEKEND_DAYS} weekend days and {MIN_WEEKDAYS} weekdays of the last {SPAN_DAYS}", len(span))
        out.metadata.update(weekend_days=len(weekend), weekdays=len(weekday))
        return out
    we, wd = mean(weekend) or 0.0, mean(weekday) or 0.0
    ratio = we / wd if wd > 0 else (float("inf") if we > 0 else 0.0)
    meta = {
        "weekend_avg_minutes": r2(we), "weekday_avg_minutes": r2(wd),
        "ratio": r2(ratio) if ratio != float("inf") else None, "threshold_ratio": FACTOR,
        "weekend_days": len(weekend), "weekdays": len(weekday),
    }
    if ratio >= FACTOR:
        return detected(
            t, f"weekends average {we:.0f} min a day against {wd:.0f} on weekdays",
            ratio=min(ratio, 10.0) / FACTOR, evidence_days=min(7, len(span)), meta=meta,
        )
    return not_detected(t, f"weekends {we:.0f} min a day, weekdays {wd:.0f}", meta=meta)
