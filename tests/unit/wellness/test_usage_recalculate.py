"""The recalculation message (WELLNESS.md: ``{"user_id", "dates"}``) as the consumer reads it."""

from __future__ import annotations

import json
from datetime import date
from uuid import UUID

import pytest

from wellness.jobs.recalculate import MAX_DATES, BadMessage, parse_message

USER = "6f1c1a52-3a65-4c43-9d0e-0d5b3b0a3a11"


def test_a_message_gives_the_user_and_its_distinct_sorted_dates():
    user, dates = parse_message(json.dumps({"user_id": USER, "dates": ["2024-03-02", "2024-03-01", "2024-03-02"]}))
    assert user == UUID(USER) and dates == [date(2024, 3, 1), date(2024, 3, 2)]


@pytest.mark.parametrize("body", [
    "not json", "[]", json.dumps({"dates": ["2024-03-01"]}), json.dumps({"user_id": "x", "dates": ["2024-03-01"]}),
    json.dumps({"user_id": USER}), json.dumps({"user_id": USER, "dates": []}),
    json.dumps({"user_id": USER, "dates": ["03/01/2024"]}), json.dumps({"user_id": USER, "dates": [20240301]}),
    json.dumps({"user_id": USER, "dates": ["2024-03-01"] * (MAX_DATES + 1)})])
def test_a_malformed_message_is_bad_for_good(body):
    with pytest.raises(BadMessage):
        parse_message(body)
