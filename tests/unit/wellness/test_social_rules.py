"""The social decisions without I/O (``wellness.social.rules``, ``wellness.social.challenges``)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from wellness.social.challenges import days_elapsed, status_on
from wellness.social.rules import RequestOutcome, on_request, rule_met, visible_to

A, B, C = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def row(status: str, requester=A, addressee=B, blocked_by=None) -> dict:
    return {"status": status, "requester_id": requester, "addressee_id": addressee, "blocked_by": blocked_by}


@pytest.mark.parametrize(("existing", "caller", "outcome"), [
    (None, A, RequestOutcome.CREATE),
    (row("pending"), A, RequestOutcome.SAME),            # a duplicate
    (row("pending"), B, RequestOutcome.ACCEPT),          # crossed: B asks A while A's request waits
    (row("accepted"), B, RequestOutcome.SAME),
    (row("declined"), A, RequestOutcome.RENEW),
    (row("declined"), B, RequestOutcome.RENEW),
    (row("blocked", blocked_by=B), A, RequestOutcome.HIDDEN),       # the blocked user cannot tell
    (row("blocked", blocked_by=B), B, RequestOutcome.BLOCKED_BY_ME),
])
def test_what_a_request_does(existing, caller, outcome) -> None:
    assert on_request(existing, caller) is outcome


def test_who_sees_a_connection() -> None:
    assert visible_to(row("pending"), A) and visible_to(row("pending"), B)
    assert not visible_to(row("pending"), C)
    assert visible_to(row("blocked", blocked_by=A), A)
    assert not visible_to(row("blocked", blocked_by=A), B)


def test_daily_rules() -> None:
    assert rule_met("reduce_screen_time", 180, 180) is True
    assert rule_met("reduce_unlocks", 81, 80) is False
    assert rule_met("increase_productivity", 30, 30) is True
    assert rule_met("increase_productivity", 29.9, 30) is False
    assert rule_met("reduce_screen_time", None, 180) is None


def test_challenge_status_and_days() -> None:
    ch = {"start_date": date(2030, 1, 10), "end_date": date(2030, 1, 20)}
    assert status_on(ch, date(2030, 1, 9)) == "upcoming" and days_elapsed(ch, date(2030, 1, 9)) == 0
    assert status_on(ch, date(2030, 1, 10)) == "active" and days_elapsed(ch, date(2030, 1, 10)) == 1
    assert status_on(ch, date(2030, 1, 20)) == "active" and days_elapsed(ch, date(2030, 1, 20)) == 11
    assert status_on(ch, date(2030, 1, 21)) == "finished" and days_elapsed(ch, date(2030, 2, 1)) == 11


def test_ties_share_a_rank() -> None:
    from wellness.social.challenges import competition_ranks

    assert competition_ranks([(3, 4), (2, 4), (2, 4), (1, 4)]) == [1, 2, 2, 4]
    assert competition_ranks([(2, 4), (2, 3)]) == [1, 2]
    assert competition_ranks([]) == []
