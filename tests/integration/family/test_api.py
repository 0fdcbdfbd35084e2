"""The family API through its Lambda handler on real PostgreSQL: the document's 11 endpoints,
households, validation, pagination and idempotency."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.family.conftest import FamilyApi, new_user

pytestmark = pytest.mark.integration


@pytest.fixture()
def home(api: FamilyApi) -> tuple[str, str]:
    user = new_user()
    return user, api.household(user)


def make_experience(api: FamilyApi, user: str, household: str, **extra) -> dict:
    body = {"household_id": household, "activity_name": "Park Picnic", "participant_ids": [api.user_id(user)],
            "start_at": "2024-01-13T14:00:00-08:00", "status": "planned"} | extra
    res = api.post("/api/v1/experiences/", body, user=user)
    assert res.status == 201, res.body
    return res.body


def test_households_membership_lifecycle(api: FamilyApi) -> None:
    owner, friend = new_user(), new_user()
    created = api.post("/api/v1/households/", {"name": "The Merrys"}, user=owner)
    assert created.status == 201 and created.body["name"] == "The Merrys" and created.body["role"] == "owner"
    household = created.body["id"]
    friend_id = api.user_id(friend)
    api.join(household, owner, friend)
    listed = api.get("/api/v1/households/", user=friend).body["households"]
    assert [h["id"] for h in listed] == [household]
    assert friend_id in listed[0]["member_ids"]
    # a plain member cannot remove the owner; the owner cannot leave as last owner
    owner_id = api.user_id(owner)
    assert api.delete(f"/api/v1/households/{household}/members/{owner_id}/", user=friend).status == 403
    assert api.delete(f"/api/v1/households/{household}/members/{owner_id}/", user=owner).status == 409
    assert api.delete(f"/api/v1/households/{household}/members/{friend_id}/", user=owner).status == 204
    assert api.get("/api/v1/households/", user=friend).body["households"] == []


def test_experience_crud_as_in_the_document(api: FamilyApi, home: tuple[str, str]) -> None:
    user, household = home
    exp = make_experience(api, user, household, place="Golden Gate Park", prep_notes="Bring snacks", needs_adult=True, cost_estimate=25.5)
    assert exp["status"] == "planned" and exp["participant_ids"] == [api.user_id(user)]
    assert exp["cost_estimate"] == 25.5 and exp["needs_adult"] is True
    assert exp["time_of_day"] == "afternoon" and exp["day_of_week"] == "saturday"
    assert exp["created_by"] == api.user_id(user)
    listed = api.get("/api/v1/experiences/", query={"household_id": household}, user=user)
    assert listed.status == 200 and [e["id"] for e in listed.body["experiences"]] == [exp["id"]]
    assert api.get("/api/v1/experiences/", query={"household_id": household, "status": "live"}, user=user).body["experiences"] == []
    patched = api.patch(f"/api/v1/experiences/{exp['id']}/", {"status": "live", "start_at": "2024-01-15T14:05:00Z"}, user=user)
    assert patched.status == 200 and patched.body["status"] == "live" and patched.body["day_of_week"] == "monday"
    assert patched.body["place"] == "Golden Gate Park"
    assert api.get(f"/api/v1/experiences/{exp['id']}/", user=user).body["status"] == "live"
    assert api.delete(f"/api/v1/experiences/{exp['id']}/", user=user).status == 204
    assert api.get(f"/api/v1/experiences/{exp['id']}/", user=user).status == 404


def test_validation_errors_name_the_field(api: FamilyApi, home: tuple[str, str]) -> None:
    user, household = home
    bad = api.post("/api/v1/experiences/", {"household_id": household, "status": "someday", "place_lat": 123}, user=user)
    assert bad.status == 422
    fields = {f["field"] for f in bad.body["errors"]}
    assert {"status", "place_lat"} <= fields and bad.body["code"] == "validation_error"
    assert api.post("/api/v1/experiences/", {"household_id": "not-a-uuid"}, user=user).status == 422
    assert api.post("/api/v1/experiences/", {"household_id": household, "colour": "red"}, user=user).status == 422
    order = api.post("/api/v1/experiences/", {"household_id": household, "start_at": "2024-01-15T14:00:00Z",
                                              "end_at": "2024-01-15T13:00:00Z"}, user=user)
    assert order.status == 400 and order.body["errors"][0]["field"] == "end_at"
    exp = make_experience(api, user, household)
    for rating in (0, 6, "five"):
        res = api.post(f"/api/v1/experiences/{exp['id']}/reviews/", {"household_id": household, "rating": rating}, user=user)
        assert res.status == 422 and res.body["errors"][0]["field"] == "rating"
    assert api.get(f"/api/v1/experiences/{exp['id']}/reviews/", user=user).body["reviews"] == []
    assert api.get("/api/v1/experiences/", query={"cursor": "garbage!"}, user=user).status == 422


def test_missing_identity_is_401(api: FamilyApi) -> None:
    res = api.get("/api/v1/experiences/", user=None)
    assert res.status == 401 and res.body["code"] == "unauthorized"


def test_reviews_once_per_member(api: FamilyApi, home: tuple[str, str]) -> None:
    user, household = home
    exp = make_experience(api, user, household)
    body = {"household_id": household, "rating": 5, "effort_felt": "easy", "cleanup_felt": "moderate", "note": "Kids loved it!"}
    first = api.post(f"/api/v1/experiences/{exp['id']}/reviews/", body, user=user)
    assert first.status == 201 and first.body["rating"] == 5 and first.body["experience_id"] == exp["id"]
    suggested = api.get("/api/v1/suggestions/", query={"household_id": household, "limit": "50"}, user=user).body["suggestions"]
    # a retry of the same review: the existing review, nothing learned twice
    again = api.post(f"/api/v1/experiences/{exp['id']}/reviews/", body, user=user)
    assert again.status == 200 and again.body == first.body
    # a different second review is refused, not silently dropped
    for change in ({"rating": 1}, {"effort_felt": "hard"}, {"cleanup_felt": None}, {"note": "Meh."}):
        other = api.post(f"/api/v1/experiences/{exp['id']}/reviews/", body | change, user=user)
        assert other.status == 409 and other.body["code"] == "review_exists", (change, other.body)
        assert "already reviewed" in other.body["detail"]
    assert api.get("/api/v1/suggestions/", query={"household_id": household, "limit": "50"}, user=user).body["suggestions"] == suggested
    reviews = api.get(f"/api/v1/experiences/{exp['id']}/reviews/", user=user).body["reviews"]
    assert [(r["id"], r["rating"]) for r in reviews] == [(first.body["id"], 5)]
    wrong = api.post(f"/api/v1/experiences/{exp['id']}/reviews/", body | {"household_id": str(uuid.uuid4())}, user=new_user())
    assert wrong.status == 404


def test_household_time_zone_sets_the_local_time_of_day(api: FamilyApi) -> None:
    user = new_user()
    created = api.post("/api/v1/households/", {"name": "SF", "time_zone": "America/Los_Angeles"}, user=user)
    assert created.status == 201 and created.body["time_zone"] == "America/Los_Angeles"
    sf = created.body["id"]
    assert api.get("/api/v1/households/", user=user).body["households"][0]["time_zone"] == "America/Los_Angeles"
    # Monday 18:00 in San Francisco, sent in UTC as JavaScript clients send it: Tuesday night in UTC
    exp = make_experience(api, user, sf, start_at="2024-01-16T02:00:00Z")
    assert (exp["time_of_day"], exp["day_of_week"]) == ("evening", "monday")
    # an offset sent by the client does not matter once the household has a zone: the instant does
    assert (make_experience(api, user, sf, start_at="2024-01-15T23:00:00+01:00")["time_of_day"]) == "afternoon"
    patched = api.patch(f"/api/v1/experiences/{exp['id']}/", {"start_at": "2024-07-13T16:30:00Z"}, user=user).body
    assert (patched["time_of_day"], patched["day_of_week"]) == ("morning", "saturday")  # 09:30 PDT
    # without a time zone, the offset sent (as before)
    plain = api.post("/api/v1/households/", {"name": "Plain"}, user=user).body
    assert plain["time_zone"] is None
    exp = make_experience(api, user, plain["id"], start_at="2024-01-16T02:00:00Z")
    assert (exp["time_of_day"], exp["day_of_week"]) == ("night", "tuesday")
    for bad in ("Mars/Olympus", "America", "america/los_angeles", "../../etc/passwd", "/etc/localtime", "localtime",
                "posixrules", "zone.tab", "", "UTC\x00", 12, "x" * 65):
        res = api.post("/api/v1/households/", {"name": "Bad", "time_zone": bad}, user=user)
        assert res.status == 422 and res.body["errors"][0]["field"] == "time_zone", (bad, res.body)
    assert [h["name"] for h in api.get("/api/v1/households/", user=user).body["households"]] == ["SF", "Plain"]


def test_merry_moments_and_last_activity(api: FamilyApi, home: tuple[str, str]) -> None:
    user, household = home
    exp = make_experience(api, user, household)
    moment = api.post("/api/v1/merry-moments/", {"household_id": household, "experience_id": exp["id"], "title": "Park Picnic",
                                                 "participant_ids": [api.user_id(user)], "occurred_at": "2024-01-15T14:00:00Z",
                                                 "is_manual": False}, user=user)
    assert moment.status == 201 and moment.body["title"] == "Park Picnic" and moment.body["media_ids"] == []
    assert api.get(f"/api/v1/merry-moments/{moment.body['id']}/", user=user).body["id"] == moment.body["id"]
    listed = api.get("/api/v1/merry-moments/", query={"household_id": household}, user=user).body["moments"]
    assert [m["id"] for m in listed] == [moment.body["id"]]
    households = api.get("/api/v1/households/", user=user).body["households"]
    assert households[0]["last_activity_at"].startswith("2024-01-15T14:00:00")
    bad_media = api.post("/api/v1/merry-moments/", {"household_id": household, "title": "x", "occurred_at": "2024-01-15T14:00:00Z",
                                                    "media_ids": [str(uuid.uuid4())]}, user=user)
    assert bad_media.status == 400 and bad_media.body["code"] == "unknown_media"
    assert api.post("/api/v1/merry-moments/", {"household_id": household, "title": ""}, user=user).status == 422


def test_a_moments_media_ids_include_media_uploaded_into_it(api: FamilyApi, home: tuple[str, str], database_url: str) -> None:
    import psycopg

    from tests.integration.family.test_media import tiny_jpeg

    user, household = home
    given = [api.upload(tiny_jpeg(), household, user=user).body["id"] for _ in range(2)]
    moment = api.post("/api/v1/merry-moments/", {"household_id": household, "title": "Beach", "occurred_at": "2024-01-15T14:00:00Z",
                                                 "media_ids": [given[1], given[0], given[1]]}, user=user).body
    assert moment["media_ids"] == given  # once each, in order of creation
    later = api.upload(tiny_jpeg(), household, user=user, merry_moment_id=moment["id"]).body["id"]
    presigned = api.post("/api/v1/media/uploads/", {"household_id": household, "content_type": "image/jpeg", "size_bytes": 100,
                                                    "merry_moment_id": moment["id"]}, user=user).body["media"]["id"]
    api.upload(tiny_jpeg(), household, user=user)  # not in the moment
    other_moment = api.post("/api/v1/merry-moments/", {"household_id": household, "title": "Park",
                                                       "occurred_at": "2024-01-10T14:00:00Z"}, user=user).body
    elsewhere = api.upload(tiny_jpeg(), household, user=user, merry_moment_id=other_moment["id"]).body["id"]
    with psycopg.connect(database_url, autocommit=True) as conn:
        # a given media item also linked by merry_moment_id counts once; another household's media never shows
        conn.execute("UPDATE family.media_items SET merry_moment_id = %s WHERE id = %s", (moment["id"], given[0]))
        stranger = new_user()
        foreign = api.upload(tiny_jpeg(), api.household(stranger), user=stranger).body["id"]
        conn.execute("UPDATE family.media_items SET merry_moment_id = %s WHERE id = %s", (moment["id"], foreign))
    expected = given + [later, presigned]
    assert api.get(f"/api/v1/merry-moments/{moment['id']}/", user=user).body["media_ids"] == expected
    listed = {m["id"]: m["media_ids"] for m in api.get("/api/v1/merry-moments/", query={"household_id": household}, user=user).body["moments"]}
    assert listed == {moment["id"]: expected, other_moment["id"]: [elsewhere]}


def test_keyset_pagination_walks_every_row_once(api: FamilyApi, home: tuple[str, str]) -> None:
    user, household = home
    made = {make_experience(api, user, household, activity_name=f"Activity {i}")["id"] for i in range(7)}
    seen, cursor, pages = [], None, 0
    while True:
        query = {"household_id": household, "limit": "3"} | ({"cursor": cursor} if cursor else {})
        body = api.get("/api/v1/experiences/", query=query, user=user).body
        seen += [e["id"] for e in body["experiences"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and len(seen) == 7 and set(seen) == made
    assert api.get("/api/v1/experiences/", query={"limit": "1000"}, user=user).status == 422
