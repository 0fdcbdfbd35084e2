"""Distracted: many short sessions."""

from __future__ import annotations

from datetime import date

from .base import (
    MIN_EVIDENCE_DAYS, DayStats, Outcome, PatternType, baseline, detected, insufficient, mean,
    not_detected, r2, relative_threshold, window,
)

#: sessions: short (< 2 min) sessions a day, at least 1.5 x the user's usual and at least 20;
#: 30 when the baseline is too short
SHORT_FACTOR, SHORT_FLOOR, SHORT_ABSOLUTE = 1.5, 20, 30
#: launches (proxy): launches a day, 1.5 x usual and at least 100 (150 without baseline), with
#: an average launch under 3 minutes
LAUNCH_FACTOR, LAUNCH_FLOOR, LAUNCH_ABSOLUTE, LAUNCH_MAX_MINUTES = 1.5, 100, 150, 3.0


def detect(days: list[DayStats], as_of: date) -> Outcome:
    """Distracted: frequent short sessions — the last 7 days average at least max(20, 1.5 x the
    user's baseline) sessions shorter than 2 minutes a day (30 without a 7-day baseline).

    Without sessions, the proxy is launches: an average of at least max(100, 1.5 x baseline)
    launches a day (150 without baseline) while an average launch lasts under 3 minutes, at 0.7
    confidence. Needs sessions or launches on 3 window days, else ``insufficient_data``.
    Severity from observed / threshold.
    """
    t = PatternType.DISTRACTED
    w, b = window(days, as_of), baseline(days, as_of)
    with_sessions = [d for d in w if d.short_sessions is not None]
    if len(with_sessions) >= MIN_EVIDENCE_DAYS:
        observed = mean([float(d.short_sessions or 0) for d in with_sessions]) or 0.0
        threshold, base, rel = relative_threshold(w, b, "short_sessions", factor=SHORT_FACTOR, floor=SHORT_FLOOR, absolute=SHORT_ABSOLUTE)
        meta = {"short_sessions_per_day": r2(observed), "threshold": r2(threshold), "baseline": r2(base), "relative": rel, "source": "sessions"}
        if observed >= threshold:
            return detected(t, f"{observed:.0f} sessions under 2 minutes a day (usual {base or 0:.0f})",
                            ratio=observed / threshold, evidence_days=len(with_sessions), relative=rel, meta=meta)
        return not_detected(t, f"{observed:.0f} short sessions a day (< {threshold:.0f})", meta=meta)
    with_launches = [d for d in w if d.launches is not None]
    if len(with_launches) >= MIN_EVIDENCE_DAYS:
        observed = mean([float(d.launches or 0) for d in with_launches]) or 0.0
        minutes = sum(float(d.launch_minutes or 0) for d in with_launches)
        launches = sum(d.launches or 0 for d in with_launches)
        per_launch = minutes / launches if launches else None
        threshold, base, rel = relative_threshold(w, b, "launches", factor=LAUNCH_FACTOR, floor=LAUNCH_FLOOR, absolute=LAUNCH_ABSOLUTE)
        meta = {"launches_per_day": r2(observed), "minutes_per_launch": r2(per_launch), "threshold": r2(threshold),
                "baseline": r2(base), "relative": rel, "source": "launches"}
        if observed >= threshold and per_launch is not None and per_launch < LAUNCH_MAX_MINUTES:
            return detected(t, f"{observed:.0f} app launches a day of {per_launch:.1f} minutes on average",
                            ratio=observed / threshold, evidence_days=len(with_launches), direct=False, relative=rel, meta=meta)
        return not_detected(t, f"{observed:.0f} launches a day (threshold {threshold:.0f}, under {LAUNCH_MAX_MINUTES} min each)", meta=meta)
    return insufficient(t, "app sessions or app launches", max(len(with_sessions), len(with_launches)))
