"""How an experience's learning context is filled in (pure logic of ``family.service`` and
``family.schemas``): the household's time zone, and the catalog activity a suggestion names."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from family import service
from family.schemas import HouseholdCreate

MONDAY_18H_IN_SF = datetime(2024, 1, 16, 2, 0, tzinfo=timezone.utc)


def test_time_of_day_in_the_households_zone_else_the_offset_sent() -> None:
    assert service._context_columns(MONDAY_18H_IN_SF, "America/Los_Angeles") == {"time_of_day": "evening", "day_of_week": "monday"}
    assert service._context_columns(MONDAY_18H_IN_SF, None) == {"time_of_day": "night", "day_of_week": "tuesday"}
    assert service._context_columns(None, "America/Los_Angeles") == {"time_of_day": None, "day_of_week": None}


def test_a_stored_zone_that_no_longer_loads_falls_back_to_the_offset_sent(caplog: pytest.LogCaptureFixture) -> None:
    assert service._context_columns(MONDAY_18H_IN_SF, "Gone/Zone") == {"time_of_day": "night", "day_of_week": "tuesday"}
    assert "time zone does not load" in caplog.text


@pytest.mark.parametrize("name", ["America/Los_Angeles", "Europe/Paris", "UTC", "Asia/Kolkata", None])
def test_household_time_zone_accepts_iana_names(name: str | None) -> None:
    assert HouseholdCreate(name="Home", time_zone=name).time_zone == name


@pytest.mark.parametrize("name", ["Mars/Olympus", "America", "America/", "america/los_angeles", "../../etc/passwd",
                                  "/etc/localtime", "localtime", "posixrules", "posix/Europe/Paris", "zone.tab", "",
                                  "UTC\x00", "x" * 65])
def test_household_time_zone_refuses_anything_else(name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        HouseholdCreate(name="Home", time_zone=name)
    assert [e["loc"] for e in caught.value.errors()] == [("time_zone",)]


def test_a_suggestion_fills_in_the_activity() -> None:
    filled = service._from_suggestion({"suggestion_id": "museum", "activity_name": None, "tags": []})
    assert (filled["activity_name"], filled["tags"]) == ("Museum Visit", ["indoor", "learning"])
    assert service._from_suggestion({"suggestion_id": "museum", "activity_name": None, "tags": ["rainy-day"]})["tags"] == ["rainy-day"]
    own = {"suggestion_id": "museum", "activity_name": "Science Museum", "tags": []}
    assert service._from_suggestion(own) == own
    unknown = {"suggestion_id": "moon-landing", "activity_name": None, "tags": []}
    assert service._from_suggestion(unknown) == unknown


def test_a_review_of_an_older_experience_from_a_suggestion_trains_the_catalog_activity() -> None:
    assert service._learning_key({"activity_name": None, "suggestion_id": "museum"}) == "museum visit"
    assert service._learning_key({"activity_name": "  Park   PICNIC ", "suggestion_id": "museum"}) == "park picnic"
    assert service._learning_key({"activity_name": None, "suggestion_id": "moon-landing"}) is None
    assert service._learning_key({"activity_name": None, "suggestion_id": None}) is None
