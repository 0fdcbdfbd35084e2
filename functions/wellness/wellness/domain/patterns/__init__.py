"""The nine usage pattern detectors of design document 001 (issue 10 item 5): pure functions over
one user's daily figures (:class:`base.DayStats`), one module each, with its definition in its
docstring. :func:`detect_all` runs them all for one user and one ``as_of`` date.
"""

from __future__ import annotations

from datetime import date

from . import (
    app_switching, binge_usage, distracted, doom_scrolling, morning_person, night_owl,
    notification_addiction, phantom_vibration, weekend_warrior,
)
from .base import DayStats, Detector, Outcome, PatternType, Severity, SortedDays, Verdict

DETECTORS: dict[PatternType, Detector] = {
    PatternType.BINGE_USAGE: binge_usage.detect,
    PatternType.NIGHT_OWL: night_owl.detect,
    PatternType.MORNING_PERSON: morning_person.detect,
    PatternType.WEEKEND_WARRIOR: weekend_warrior.detect,
    PatternType.DISTRACTED: distracted.detect,
    PatternType.DOOM_SCROLLING: doom_scrolling.detect,
    PatternType.PHANTOM_VIBRATION: phantom_vibration.detect,
    PatternType.APP_SWITCHING: app_switching.detect,
    PatternType.NOTIFICATION_ADDICTION: notification_addiction.detect,
}

#: patterns that are not a problem: they do not lower the wellness score
POSITIVE = frozenset({PatternType.MORNING_PERSON})


def detect_all(days: list[DayStats], as_of: date) -> list[Outcome]:
    """Every detector's outcome for one user, in :class:`PatternType` order."""
    ordered = days if isinstance(days, SortedDays) else SortedDays(days)
    return [DETECTORS[t](ordered, as_of) for t in PatternType]


__all__ = ["DETECTORS", "POSITIVE", "DayStats", "Outcome", "PatternType", "Severity", "Verdict", "detect_all"]
