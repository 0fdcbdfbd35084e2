"""Phantom vibration: excessive unlocking."""

from __future__ import annotations

from datetime import date

from .base import (
    MIN_EVIDENCE_DAYS, DayStats, Outcome, PatternType, baseline, detected, insufficient, mean,
    not_detected, r2, relative_threshold, window,
)

FACTOR, FLOOR, ABSOLUTE = 1.5, 50, 100


def detect(days: list[DayStats], as_of: date) -> Outcome:
    """Phantom vibration: excessive unlocking — the last 7 days average at least max(50, 1.5 x the
    user's baseline) unlocks a day; 100 a day when the baseline has fewer than 7 days.

    Unlocks come from the day totals (pickups) or, when absent, the count of unlock events.
    The metadata adds unlocks per notification where notifications are known (checks that no
    notification prompted). Needs unlocks on 3 window days, else ``insufficient_data``.
    Severity from observed / threshold.
    """
    t = PatternType.PHANTOM_VIBRATION
    w, b = window(days, as_of), baseline(days, as_of)
    evidence = [d for d in w if d.unlocks is not None]
    if len(evidence) < MIN_EVIDENCE_DAYS:
        return insufficient(t, "unlocks (pickups or unlock events)", len(evidence))
    observed = mean([float(d.unlocks or 0) for d in evidence]) or 0.0
    threshold, base, rel = relative_threshold(w, b, "unlocks", factor=FACTOR, floor=FLOOR, absolute=ABSOLUTE)
    both = [d for d in evidence if d.notifications]
    per_notification = (sum(d.unlocks or 0 for d in both) / sum(d.notifications or 0 for d in both)) if both else None
    meta = {"unlocks_per_day": r2(observed), "threshold": r2(threshold), "baseline": r2(base), "relative": rel,
            "unlocks_per_notification": r2(per_notification)}
    if observed >= threshold:
        return detected(t, f"{observed:.0f} unlocks a day (usual {base or 0:.0f})",
                        ratio=observed / threshold, evidence_days=len(evidence), relative=rel, meta=meta)
    return not_detected(t, f"{observed:.0f} unlocks a day (< {threshold:.0f})", meta=meta)
