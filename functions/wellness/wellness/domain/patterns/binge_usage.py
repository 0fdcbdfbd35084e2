"""Binge usage: extended sessions in one app."""

from __future__ import annotations

from datetime import date

from .base import MIN_EVIDENCE_DAYS, DayStats, Outcome, PatternType, detected, insufficient, not_detected, r2, window

#: one continuous session in one app of at least this many minutes is a binge
BINGE_MINUTES = 60
#: detected when binges happened on at least this many days of the window
BINGE_DAYS = 2


def detect(days: list[DayStats], as_of: date) -> Outcome:
    """Binge usage: at least :data:`BINGE_DAYS` days of the last 7 had a session of
    :data:`BINGE_MINUTES`+ minutes in one app.

    Evidence: app sessions (start and end) when the day has them; else the proxy minutes/launches
    of the day's most-used-per-launch app (StayFree / Digital Wellbeing give minutes and launches
    per app; an average launch of 60+ minutes means long sessions), at 0.7 confidence. Needs
    sessions or launches on 3 window days, else ``insufficient_data``. Absolute threshold: a
    one-hour unbroken session is long for anyone. Severity from binge days / 2.
    """
    t = PatternType.BINGE_USAGE
    w = window(days, as_of)
    evidence = [d for d in w if d.sessions is not None or d.max_minutes_per_launch is not None]
    if len(evidence) < MIN_EVIDENCE_DAYS:
        return insufficient(t, "app sessions or app launches", len(evidence))
    direct = all(d.sessions is not None for d in evidence)

    def binge(d: DayStats) -> bool:
        if d.sessions is not None:
            return (d.long_sessions or 0) > 0
        return (d.max_minutes_per_launch or 0) >= BINGE_MINUTES

    binge_days = [d.stat_date.isoformat() for d in evidence if binge(d)]
    longest = max((d.longest_session_minutes or 0 for d in evidence), default=0)
    meta = {
        "binge_days": binge_days, "threshold_days": BINGE_DAYS, "binge_minutes": BINGE_MINUTES,
        "longest_session_minutes": r2(longest) if longest else None,
        "source": "sessions" if direct else "launches",
    }
    if len(binge_days) >= BINGE_DAYS:
        return detected(
            t, f"sessions of {BINGE_MINUTES}+ minutes on {len(binge_days)} of the last {len(evidence)} days",
            ratio=len(binge_days) / BINGE_DAYS, evidence_days=len(evidence), direct=direct, meta=meta,
        )
    return not_detected(t, f"long sessions on {len(binge_days)} days (< {BINGE_DAYS})", meta=meta)
