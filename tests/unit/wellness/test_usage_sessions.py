"""Merging app sessions with the ones already stored (domain.sessions)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from wellness.domain.sessions import Session, merge_sessions

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=timezone.utc)


def s(start_h: float, end_h: float, app: str = "a") -> Session:
    return Session.checked(app, T0 + timedelta(hours=start_h), T0 + timedelta(hours=end_h))


def spans(sessions):
    return [(x.app_key, (x.started_at - T0) / timedelta(hours=1), (x.ended_at - T0) / timedelta(hours=1)) for x in sessions]


def test_incoming_sessions_merge_into_stored_ones_per_app():
    stored = [s(0, 1), s(3, 4), s(0, 1, app="b")]
    merged, refused = merge_sessions(stored, [("sessions[0]", s(0.5, 3.5)), ("sessions[1]", s(5, 6))])
    assert refused == []
    assert spans(merged) == [("a", 0, 4), ("a", 5, 6), ("b", 0, 1)]


def test_merging_the_same_sessions_again_changes_nothing():
    first, _ = merge_sessions([], [("sessions[0]", s(0, 1)), ("sessions[1]", s(0.5, 2))])
    again, refused = merge_sessions(first, [("sessions[0]", s(0, 1)), ("sessions[1]", s(0.5, 2))])
    assert refused == [] and again == first


def test_a_chain_longer_than_a_day_refuses_the_incoming_sessions_and_keeps_the_stored():
    stored = [s(0, 20)]
    merged, refused = merge_sessions(stored, [("sessions[0]", s(19, 30)), ("sessions[1]", s(40, 41))])
    assert spans(merged) == [("a", 0, 20), ("a", 40, 41)]
    assert [p for p, _ in refused] == ["sessions[0]"] and "more than 24 hours" in refused[0][1]
