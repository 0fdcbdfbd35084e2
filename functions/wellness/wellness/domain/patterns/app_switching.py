"""App switching: using many apps."""

from __future__ import annotations

from datetime import date

from .base import (
    MIN_EVIDENCE_DAYS, DayStats, Outcome, PatternType, baseline, detected, insufficient, mean,
    not_detected, r2, relative_threshold, window,
)

FACTOR, FLOOR, ABSOLUTE = 1.3, 15, 25


def detect(days: list[DayStats], as_of: date) -> Outcome:
    """App switching: the last 7 days average at least max(15, 1.3 x the user's baseline)
    distinct apps used (1+ minute) a day; 25 when the baseline has fewer than 7 days.

    Needs per-app rows on 3 window days, else ``insufficient_data``. Severity from observed /
    threshold.
    """
    t = PatternType.APP_SWITCHING
    w, b = window(days, as_of), baseline(days, as_of)
    evidence = [d for d in w if d.distinct_apps is not None]
    if len(evidence) < MIN_EVIDENCE_DAYS:
        return insufficient(t, "per-app usage", len(evidence))
    observed = mean([float(d.distinct_apps or 0) for d in evidence]) or 0.0
    threshold, base, rel = relative_threshold(w, b, "distinct_apps", factor=FACTOR, floor=FLOOR, absolute=ABSOLUTE)
    meta = {"apps_per_day": r2(observed), "threshold": r2(threshold), "baseline": r2(base), "relative": rel}
    if observed >= threshold:
        return detected(t, f"{observed:.0f} different apps a day (usual {base or 0:.0f})",
                        ratio=observed / threshold, evidence_days=len(evidence), relative=rel, meta=meta)
    return not_detected(t, f"{observed:.0f} apps a day (< {threshold:.0f})", meta=meta)
