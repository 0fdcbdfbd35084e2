"""Morning person: early first use of the day."""

from __future__ import annotations

from datetime import date

from .base import MIN_EVIDENCE_DAYS, DayStats, Outcome, PatternType, detected, insufficient, not_detected, window

#: first use between these minutes after local midnight (04:00 .. 07:00) is early
EARLY_FROM, EARLY_UNTIL = 4 * 60, 7 * 60
#: detected when this share of the days with a known first use started early
EARLY_SHARE = 0.6


def detect(days: list[DayStats], as_of: date) -> Outcome:
    """Morning person: on at least 60 % of the last 7 days with a known first use, the day's first
    use (first pickup, first unlock or first session at or after 04:00 local) was before 07:00.

    A neutral-to-positive pattern (it does not lower the wellness score). Needs a first use on 3
    window days (iOS first pickup, unlock events or sessions), else ``insufficient_data``.
    Absolute threshold (clock time). Severity from share / 0.6.
    """
    t = PatternType.MORNING_PERSON
    evidence = [d for d in window(days, as_of) if d.first_use_minute is not None]
    if len(evidence) < MIN_EVIDENCE_DAYS:
        return insufficient(t, "a time of first use (first pickup, unlock events or sessions)", len(evidence))
    early = [d for d in evidence if EARLY_FROM <= (d.first_use_minute or 0) < EARLY_UNTIL]
    share = len(early) / len(evidence)
    first = sorted(d.first_use_minute for d in evidence if d.first_use_minute is not None)
    median = first[len(first) // 2]
    meta = {
        "early_days": [d.stat_date.isoformat() for d in early], "early_share": round(share, 2),
        "threshold_share": EARLY_SHARE, "median_first_use": f"{median // 60:02d}:{median % 60:02d}",
        "positive": True,
    }
    if share >= EARLY_SHARE:
        return detected(
            t, f"first use before 07:00 on {len(early)} of the last {len(evidence)} days",
            ratio=share / EARLY_SHARE, evidence_days=len(evidence), meta=meta,
        )
    return not_detected(t, f"first use before 07:00 on {len(early)} of {len(evidence)} days", meta=meta)
