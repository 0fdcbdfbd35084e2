"""Night owl: use late at night."""

from __future__ import annotations

from datetime import date

from .base import MIN_EVIDENCE_DAYS, DayStats, Outcome, PatternType, detected, insufficient, not_detected, window

#: a night with this many session minutes between 23:00 and 04:00 local is a late night
NIGHT_MINUTES = 30
#: ... or with this many unlocks between 23:00 and 04:00 local
NIGHT_UNLOCKS = 3
#: detected when late nights make at least this many of the window's days with time-of-day data
LATE_NIGHTS = 3


def _late(d: DayStats) -> bool:
    return (d.night_minutes or 0) >= NIGHT_MINUTES or (d.night_unlocks or 0) >= NIGHT_UNLOCKS


def detect(days: list[DayStats], as_of: date) -> Outcome:
    """Night owl: on at least :data:`LATE_NIGHTS` of the last 7 days the user was on the phone
    late: :data:`NIGHT_MINUTES`+ session minutes or :data:`NIGHT_UNLOCKS`+ unlocks between 23:00
    and 04:00 in their own time zone.

    Needs the time of day: app sessions or unlock events on 3 window days. Daily totals, per-app
    minutes and even the first pickup say nothing about the night, so without sessions and unlock
    events the answer is ``insufficient_data`` (issue 10: "night owl without any time of day says
    so"). Absolute threshold: the night is the same clock for everyone. Severity from late
    nights / 3.
    """
    t = PatternType.NIGHT_OWL
    w = window(days, as_of)
    evidence = [d for d in w if d.night_minutes is not None or d.night_unlocks is not None]
    if len(evidence) < MIN_EVIDENCE_DAYS:
        return insufficient(t, "time of day (app sessions or unlock events)", len(evidence))
    late = [d.stat_date.isoformat() for d in evidence if _late(d)]
    meta = {
        "late_nights": late, "threshold_nights": LATE_NIGHTS, "night": "23:00-04:00",
        "night_minutes": round(sum(d.night_minutes or 0 for d in evidence), 1),
        "night_unlocks": sum(d.night_unlocks or 0 for d in evidence),
    }
    if len(late) >= LATE_NIGHTS:
        return detected(
            t, f"on the phone after 23:00 on {len(late)} of the last {len(evidence)} days",
            ratio=len(late) / LATE_NIGHTS, evidence_days=len(evidence), meta=meta,
        )
    return not_detected(t, f"late nights on {len(late)} days (< {LATE_NIGHTS})", meta=meta)
