"""Reviews move learning weights and the next suggestions (document 000, section 6)."""

from __future__ import annotations

import pytest

from tests.integration.family.conftest import FamilyApi, new_user

pytestmark = pytest.mark.integration

CONTEXT = {"weather": "sunny", "time_of_day": "afternoon", "day_of_week": "saturday", "participant_count": "3"}


def rank_of(api: FamilyApi, user: str, household: str, name: str, **context) -> tuple[int, dict]:
    body = api.get("/api/v1/suggestions/", query={"household_id": household, "limit": "50", **(context or CONTEXT)}, user=user).body
    names = [s["activity_name"] for s in body["suggestions"]]
    return names.index(name), body["suggestions"][names.index(name)]


_GROUPS: dict[str, list[str]] = {}


def group_of_three(api: FamilyApi, user: str, household: str) -> list[str]:
    """Three members of the household (participants must be members): ``user`` and two who join."""
    if household not in _GROUPS:
        joiners = [new_user(), new_user()]
        for joiner in joiners:
            api.join(household, user, joiner)
        _GROUPS[household] = [api.user_id(u) for u in (user, *joiners)]
    return _GROUPS[household]


def review(api: FamilyApi, user: str, household: str, activity: str, rating: int, **extra) -> None:
    exp = api.post("/api/v1/experiences/", {"household_id": household, "activity_name": activity, "weather": "sunny",
                                            "start_at": "2024-06-15T14:00:00+02:00",
                                            "participant_ids": group_of_three(api, user, household)},
                   user=user).body
    res = api.post(f"/api/v1/experiences/{exp['id']}/reviews/", {"household_id": household, "rating": rating, **extra}, user=user)
    assert res.status == 201


def test_new_household_gets_sensible_defaults(api: FamilyApi) -> None:
    user = new_user()
    household = api.household(user)
    sunny = api.get("/api/v1/suggestions/", query={"household_id": household, **CONTEXT}, user=user).body["suggestions"]
    rainy = api.get("/api/v1/suggestions/", query={"household_id": household, "weather": "rainy"}, user=user).body["suggestions"]
    assert len(sunny) == 10 and all(s["why"] for s in sunny)
    assert "Park Picnic" in [s["activity_name"] for s in sunny]
    assert "Park Picnic" not in [s["activity_name"] for s in rainy[:5]]
    assert all(not s["tried"] for s in sunny)


def test_five_stars_raise_and_one_star_lowers(api: FamilyApi) -> None:
    user = new_user()
    household = api.household(user)
    before_up, _ = rank_of(api, user, household, "Museum Visit")
    before_down, _ = rank_of(api, user, household, "Park Picnic")
    review(api, user, household, "Museum Visit", 5, effort_felt="easy")
    review(api, user, household, "Park Picnic", 1, cleanup_felt="hard")
    after_up, up = rank_of(api, user, household, "Museum Visit")
    after_down, down = rank_of(api, user, household, "Park Picnic")
    assert after_up < before_up and after_down > before_down
    assert up["tried"] and any("raised" in why for why in up["why"])
    assert any("lowered" in why for why in down["why"])
    # another household is not affected
    other_user = new_user()
    other = api.household(other_user)
    assert rank_of(api, other_user, other, "Museum Visit")[0] == before_up


def test_an_experience_planned_from_a_suggestion_learns(api: FamilyApi) -> None:
    user = new_user()
    household = api.household(user)
    suggested = api.get("/api/v1/suggestions/", query={"household_id": household, "limit": "50"}, user=user).body["suggestions"]
    museum = next(s for s in suggested if s["activity_name"] == "Museum Visit")
    assert museum["suggestion_id"] == "museum" and not museum["tried"]
    exp = api.post("/api/v1/experiences/", {"household_id": household, "suggestion_id": "museum", "weather": "rainy",
                                            "start_at": "2024-06-15T14:00:00+02:00"}, user=user).body
    assert exp["activity_name"] == "Museum Visit" and exp["suggestion_id"] == "museum"
    assert exp["tags"] == ["indoor", "learning"]  # the catalog's, as the body gave none
    before, _ = rank_of(api, user, household, "Museum Visit", weather="rainy")
    res = api.post(f"/api/v1/experiences/{exp['id']}/reviews/", {"household_id": household, "rating": 5}, user=user)
    assert res.status == 201
    after, learned = rank_of(api, user, household, "Museum Visit", weather="rainy")
    assert learned["tried"] and learned["reviews"] == 1 and any("raised" in why for why in learned["why"])
    assert after <= before
    # the body's own name and tags win; an unknown suggestion id stays as it is
    own = api.post("/api/v1/experiences/", {"household_id": household, "suggestion_id": "museum", "activity_name": "Science Museum",
                                            "tags": ["rainy-day"]}, user=user).body
    assert (own["activity_name"], own["tags"]) == ("Science Museum", ["rainy-day"])
    tagged = api.post("/api/v1/experiences/", {"household_id": household, "suggestion_id": "museum", "tags": ["rainy-day"]},
                      user=user).body
    assert (tagged["activity_name"], tagged["tags"]) == ("Museum Visit", ["rainy-day"])
    unknown = api.post("/api/v1/experiences/", {"household_id": household, "suggestion_id": "moon-landing"}, user=user).body
    assert (unknown["activity_name"], unknown["suggestion_id"], unknown["tags"]) == (None, "moon-landing", [])


def test_untried_activities_keep_a_place(api: FamilyApi) -> None:
    user = new_user()
    household = api.household(user)
    for name in ["Park Picnic", "Nature Walk", "Bike Ride"]:
        review(api, user, household, name, 5)
    top3 = api.get("/api/v1/suggestions/", query={"household_id": household, "limit": "3", **CONTEXT}, user=user).body["suggestions"]
    assert any(not s["tried"] for s in top3)


def test_bad_context_is_refused(api: FamilyApi) -> None:
    user = new_user()
    household = api.household(user)
    res = api.get("/api/v1/suggestions/", query={"household_id": household, "weather": "sideways"}, user=user)
    assert res.status == 422 and res.body["errors"][0]["field"] == "weather"
