"""A member of one household gets nothing of another household, on every route."""

from __future__ import annotations

import pytest

import boto3

from tests.integration.family.conftest import UPLOADS, FamilyApi, new_user

pytestmark = pytest.mark.integration


@pytest.fixture()
def two_households(api: FamilyApi) -> dict:
    alice, mallory = new_user(), new_user()
    home = api.household(alice, "Alice home")
    other = api.household(mallory, "Mallory home")
    exp = api.post("/api/v1/experiences/", {"household_id": home, "activity_name": "Museum Visit"}, user=alice).body
    review = api.post(f"/api/v1/experiences/{exp['id']}/reviews/", {"household_id": home, "rating": 4}, user=alice).body
    moment = api.post("/api/v1/merry-moments/", {"household_id": home, "title": "t", "occurred_at": "2024-01-01T10:00:00Z"},
                      user=alice).body
    from tests.integration.family.test_media import tiny_jpeg

    media = api.upload(tiny_jpeg(), home, user=alice).body
    return {"alice": alice, "mallory": mallory, "home": home, "other": other, "exp": exp, "review": review,
            "moment": moment, "media": media}


def test_other_household_sees_and_changes_nothing(api: FamilyApi, two_households: dict) -> None:
    d = two_households
    m, home, exp = d["mallory"], d["home"], d["exp"]["id"]
    alice_id = api.user_id(d["alice"])
    mallory_id = api.user_id(m)
    # reads
    assert [h["id"] for h in api.get("/api/v1/households/", user=m).body["households"]] == [d["other"]]
    assert api.get("/api/v1/experiences/", user=m).body["experiences"] == []
    assert api.get("/api/v1/experiences/", query={"household_id": home}, user=m).body["experiences"] == []
    assert api.get(f"/api/v1/experiences/{exp}/", user=m).status == 404
    assert api.get(f"/api/v1/experiences/{exp}/reviews/", user=m).status == 404
    assert api.get("/api/v1/merry-moments/", user=m).body["moments"] == []
    assert api.get("/api/v1/merry-moments/", query={"household_id": home}, user=m).body["moments"] == []
    assert api.get(f"/api/v1/merry-moments/{d['moment']['id']}/", user=m).status == 404
    assert api.get(f"/api/v1/media/{d['media']['id']}/", user=m).status == 404
    listed = api.get("/api/v1/media/", query={"household_id": home}, user=m)
    assert listed.status == 404 and listed.body["code"] == "household_not_found"
    assert api.get("/api/v1/media/", query={"household_id": home, "merry_moment_id": d["moment"]["id"]}, user=m).status == 404
    # one's own household, filtered by another household's moment or experience: nothing
    for name, value in (("merry_moment_id", d["moment"]["id"]), ("experience_id", exp)):
        assert api.get("/api/v1/media/", query={"household_id": d["other"], name: value}, user=m).body["media"] == []
    assert api.get("/api/v1/suggestions/", query={"household_id": home}, user=m).status == 404
    # writes
    assert api.post("/api/v1/experiences/", {"household_id": home, "activity_name": "x"}, user=m).status == 404
    assert api.patch(f"/api/v1/experiences/{exp}/", {"status": "cancelled"}, user=m).status == 404
    assert api.delete(f"/api/v1/experiences/{exp}/", user=m).status == 404
    assert api.post(f"/api/v1/experiences/{exp}/reviews/", {"household_id": home, "rating": 1}, user=m).status == 404
    assert api.post("/api/v1/merry-moments/", {"household_id": home, "title": "x", "occurred_at": "2024-01-01T10:00:00Z"},
                    user=m).status == 404
    # linking another household's rows from one's own household
    assert api.post("/api/v1/merry-moments/", {"household_id": d["other"], "title": "x", "occurred_at": "2024-01-01T10:00:00Z",
                                               "experience_id": exp, "media_ids": [d["media"]["id"]]}, user=m).status == 400
    assert api.upload(b"\xff\xd8\xff", home, user=m).status == 404
    assert api.post("/api/v1/media/uploads/", {"household_id": home, "content_type": "image/jpeg", "size_bytes": 10},
                    user=m).status == 404
    assert api.post(f"/api/v1/households/{home}/members/", {"user_id": mallory_id}, user=m).status == 404
    assert api.delete(f"/api/v1/households/{home}/members/{alice_id}/", user=m).status == 404
    deleted = api.delete(f"/api/v1/media/{d['media']['id']}/", user=m)
    assert deleted.status == 404 and deleted.body["code"] == "media_not_found"
    # and nothing changed for alice
    a = d["alice"]
    assert api.get(f"/api/v1/experiences/{exp}/", user=a).body["status"] == "planned"
    assert len(api.get(f"/api/v1/experiences/{exp}/reviews/", user=a).body["reviews"]) == 1
    assert len(api.get("/api/v1/merry-moments/", query={"household_id": home}, user=a).body["moments"]) == 1
    assert len(api.get("/api/v1/households/", user=a).body["households"][0]["member_ids"]) == 1
    assert api.get(f"/api/v1/media/{d['media']['id']}/", user=a).body["status"] == "pending"
    assert [i["id"] for i in api.get("/api/v1/media/", query={"household_id": home}, user=a).body["media"]] == [d["media"]["id"]]
    original = f"originals/{home}/{d['media']['id']}/"  # still waiting in the uploads bucket, not deleted
    assert boto3.client("s3").list_objects_v2(Bucket=UPLOADS, Prefix=original)["KeyCount"] == 1
