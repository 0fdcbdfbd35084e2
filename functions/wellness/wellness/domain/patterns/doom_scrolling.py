"""Doom scrolling: long social media use."""

from __future__ import annotations

from datetime import date

from .base import (
    MIN_EVIDENCE_DAYS, DayStats, Outcome, PatternType, baseline, detected, insufficient, mean,
    not_detected, r2, values, window,
)

#: a day with this many minutes in the Social category is a doom-scrolling day
SOCIAL_MINUTES = 90
#: detected when at least this many days of the window were
SOCIAL_DAYS = 3


def detect(days: list[DayStats], as_of: date) -> Outcome:
    """Doom scrolling: on at least 3 of the last 7 days the user spent 90+ minutes in Social apps.

    Minutes per category come from the upload's categories (iOS Screen Time) or from the category
    of each app row (StayFree / Digital Wellbeing). Absolute threshold (90 minutes of social feeds
    is long whatever one's habit); the user's baseline average is in the metadata for context.
    Needs category information on 3 window days, else ``insufficient_data``. Severity from
    days / 3.
    """
    t = PatternType.DOOM_SCROLLING
    evidence = [d for d in window(days, as_of) if d.social_minutes is not None]
    if len(evidence) < MIN_EVIDENCE_DAYS:
        return insufficient(t, "minutes per category (categories or categorised apps)", len(evidence))
    heavy = [d.stat_date.isoformat() for d in evidence if (d.social_minutes or 0) >= SOCIAL_MINUTES]
    meta = {
        "social_days": heavy, "threshold_days": SOCIAL_DAYS, "social_minutes_threshold": SOCIAL_MINUTES,
        "social_avg_minutes": r2(mean([float(d.social_minutes or 0) for d in evidence])),
        "baseline_social_avg_minutes": r2(mean(values(baseline(days, as_of), "social_minutes"))),
    }
    if len(heavy) >= SOCIAL_DAYS:
        return detected(t, f"{SOCIAL_MINUTES}+ minutes of social apps on {len(heavy)} of the last {len(evidence)} days",
                        ratio=len(heavy) / SOCIAL_DAYS, evidence_days=len(evidence), meta=meta)
    return not_detected(t, f"{SOCIAL_MINUTES}+ social minutes on {len(heavy)} days (< {SOCIAL_DAYS})", meta=meta)
