"""wellness.limits: each limited action's windows come from the settings (per hour and per day)."""

from __future__ import annotations

import pytest

from backlot.ratelimit import Window


def test_windows_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from wellness import limits
    from wellness.settings import get_settings

    monkeypatch.setenv("FRIEND_REQUESTS_PER_DAY", "7")
    get_settings.cache_clear()
    try:
        assert limits.windows("friend_request") == [Window(20, 3600), Window(7, 86400)]
        assert limits.windows("visit_proposal") == [Window(10, 3600), Window(30, 86400)]
        assert limits.windows("conversation_request") == [Window(30, 3600), Window(100, 86400)]
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_a_window_describes_itself_and_refuses_nonsense() -> None:
    assert [Window(20, 3600).describe(), Window(100, 86400).describe(), Window(7, 90).describe()] == [
        "20 per hour", "100 per day", "7 per 90 seconds"]
    for bad in ((1, 0), (-1, 60)):
        with pytest.raises(ValueError):
            Window(*bad)
