"""Notification addiction: very frequent checking prompted by notifications."""

from __future__ import annotations

from datetime import date

from .base import (
    MIN_EVIDENCE_DAYS, DayStats, Outcome, PatternType, baseline, detected, insufficient, mean,
    not_detected, r2, relative_threshold, window,
)

FACTOR, FLOOR, ABSOLUTE = 1.5, 80, 120
#: and the user answers them: at least one unlock per two notifications (when unlocks are known)
MIN_UNLOCKS_PER_NOTIFICATION = 0.5


def detect(days: list[DayStats], as_of: date) -> Outcome:
    """Notification addiction: the last 7 days average at least max(80, 1.5 x the user's
    baseline) notifications a day (120 without a 7-day baseline) and, on the days where unlocks
    are known too, the user checks the phone at least once per two notifications.

    Distinct from phantom vibration (unlocking with no prompt): here the checking follows the
    notifications. Needs notifications on 3 window days, else ``insufficient_data``. Severity from
    observed / threshold.
    """
    t = PatternType.NOTIFICATION_ADDICTION
    w, b = window(days, as_of), baseline(days, as_of)
    evidence = [d for d in w if d.notifications is not None]
    if len(evidence) < MIN_EVIDENCE_DAYS:
        return insufficient(t, "notification counts", len(evidence))
    observed = mean([float(d.notifications or 0) for d in evidence]) or 0.0
    threshold, base, rel = relative_threshold(w, b, "notifications", factor=FACTOR, floor=FLOOR, absolute=ABSOLUTE)
    both = [d for d in evidence if d.unlocks is not None and d.notifications]
    checks = (sum(d.unlocks or 0 for d in both) / sum(d.notifications or 0 for d in both)) if both else None
    meta = {"notifications_per_day": r2(observed), "threshold": r2(threshold), "baseline": r2(base), "relative": rel,
            "unlocks_per_notification": r2(checks), "min_unlocks_per_notification": MIN_UNLOCKS_PER_NOTIFICATION}
    answered = checks is None or checks >= MIN_UNLOCKS_PER_NOTIFICATION
    if observed >= threshold and answered:
        return detected(t, f"{observed:.0f} notifications a day (usual {base or 0:.0f})",
                        ratio=observed / threshold, evidence_days=len(evidence), relative=rel, meta=meta)
    why = f"{observed:.0f} notifications a day (threshold {threshold:.0f})" if observed < threshold else \
        f"{checks:.2f} unlocks per notification (< {MIN_UNLOCKS_PER_NOTIFICATION})"
    return not_detected(t, why, meta=meta)
