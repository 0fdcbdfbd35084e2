"""Apps through the handlers: the shared registry, device apps with customisation and favourites,
app relationships, hostile input."""

from __future__ import annotations

import uuid

from tests.integration.wellness.conftest import concurrently, unique_user
from tests.support.clients import ApiClient


def _package() -> str:
    return f"com.example.{uuid.uuid4().hex[:10]}"


def test_registry_is_one_entry_per_package_even_concurrently(api: ApiClient, user: str) -> None:
    package = _package()
    body = {"package_name": package, "name": "Example", "category": "Social", "personality_type": "attention_seeking"}
    answers = concurrently([lambda: api.post("/api/apps/", body, user=unique_user())] * 5)
    assert sorted(a.status for a in answers) == [200] * 4 + [201], [a.body for a in answers]
    assert len({a.body["id"] for a in answers}) == 1
    app_id = answers[0].body["id"]
    assert api.get(f"/api/apps/{app_id}/", user=user).body["personality_type"] == "attention_seeking"
    found = api.get("/api/apps/", user=user, query={"search": package[-10:]}).body["results"]
    assert [a["id"] for a in found] == [app_id]
    assert api.get("/api/apps/", user=user, query={"personality_type": "needy-ish"}).status == 400
    bad = api.post("/api/apps/", {**body, "personality_type": "grumpy"}, user=user)
    assert bad.status == 400 and list(bad.body) == ["personality_type"] and "'wholesome'" in bad.body["personality_type"][0]


def test_device_apps_customise_and_favourite(api: ApiClient, device: dict, user: str) -> None:
    package = _package()
    made = api.post("/api/apps/device-apps/", {"device_id": device["id"], "package_name": package, "name": "Chat",
                                               "category": "Social", "nickname": "Chatty"}, user=user)
    assert made.status == 201, made.body
    row = made.body
    assert row["app"]["package_name"] == package and row["personality_type"] == "chill" and row["nickname"] == "Chatty"
    again = api.post("/api/apps/device-apps/", {"device_id": device["id"], "app_id": row["app"]["id"]}, user=user)
    assert again.status == 200 and again.body["id"] == row["id"]
    patched = api.patch(f"/api/apps/device-apps/{row['id']}/", {"personality_override": "toxic", "daily_limit_minutes": 30}, user=user)
    assert patched.body["personality_type"] == "toxic" and patched.body["daily_limit_minutes"] == 30
    for _ in range(2):  # idempotent
        assert api.put(f"/api/apps/device-apps/{row['id']}/favorite/", user=user).body["is_favorite"] is True
    favourites = api.get("/api/apps/device-apps/", user=user, query={"is_favorite": "true"}).body["results"]
    assert [f["id"] for f in favourites] == [row["id"]]
    assert api.delete(f"/api/apps/device-apps/{row['id']}/favorite/", user=user).body["is_favorite"] is False
    assert api.get("/api/apps/device-apps/", user=user, query={"is_favorite": "true"}).body["results"] == []
    assert api.patch(f"/api/apps/device-apps/{row['id']}/", {"daily_limit_minutes": 2000}, user=user).status == 400
    assert api.delete(f"/api/apps/device-apps/{row['id']}/", user=user).status == 204
    assert api.get(f"/api/apps/device-apps/{row['id']}/", user=user).status == 404


def test_device_apps_of_another_user_are_hidden(api: ApiClient, device: dict, user: str) -> None:
    mallory = unique_user()
    row = api.post("/api/apps/device-apps/", {"device_id": device["id"], "package_name": _package()}, user=user).body
    for found in (api.get(f"/api/apps/device-apps/{row['id']}/", user=mallory),
                  api.patch(f"/api/apps/device-apps/{row['id']}/", {"nickname": "pwned"}, user=mallory),
                  api.put(f"/api/apps/device-apps/{row['id']}/favorite/", user=mallory),
                  api.delete(f"/api/apps/device-apps/{row['id']}/", user=mallory)):
        assert found.status == 404 and found.body["code"] == "device_app_not_found"
    hostile = api.post("/api/apps/device-apps/", {"device_id": device["id"], "package_name": _package()}, user=mallory)
    assert hostile.status == 400 and hostile.body == {"device_id": ["not a device of yours"]}
    both = api.post("/api/apps/device-apps/", {"device_id": device["id"], "package_name": "x", "app_id": str(uuid.uuid4())}, user=user)
    assert both.status == 400 and "non_field_errors" in both.body
    unknown = api.post("/api/apps/device-apps/", {"device_id": device["id"], "app_id": str(uuid.uuid4())}, user=user)
    assert unknown.status == 400 and unknown.body == {"app_id": ["no such app"]}
    assert api.get(f"/api/apps/device-apps/{row['id']}/", user=user).body["nickname"] is None


def test_app_relationships(api: ApiClient, user: str) -> None:
    a = api.post("/api/apps/", {"package_name": _package(), "name": "A"}, user=user).body["id"]
    b = api.post("/api/apps/", {"package_name": _package(), "name": "B"}, user=user).body["id"]
    made = api.post("/api/apps/relationships/", {"app_a": b, "app_b": a, "relationship_type": "frenemies"}, user=user)
    assert made.status == 201 and {made.body["app_a"], made.body["app_b"]} == {a, b}
    assert api.post("/api/apps/relationships/", {"app_a": a, "app_b": b, "relationship_type": "frenemies"}, user=user).status == 200
    assert api.post("/api/apps/relationships/", {"app_a": a, "app_b": b, "relationship_type": "rivals"}, user=user).status == 409
    # another user's view of the same pair is its own
    assert api.post("/api/apps/relationships/", {"app_a": a, "app_b": b, "relationship_type": "rivals"}, user=unique_user()).status == 201
    assert api.get("/api/apps/relationships/", user=user, query={"app_id": a}).body["results"][0]["relationship_type"] == "frenemies"
    assert api.post("/api/apps/relationships/", {"app_a": a, "app_b": str(uuid.uuid4()), "relationship_type": "rivals"},
                    user=user).body == {"app_b": ["no such app"]}
    assert api.delete(f"/api/apps/relationships/{made.body['id']}/", user=unique_user()).status == 404
    assert api.delete(f"/api/apps/relationships/{made.body['id']}/", user=user).status == 204


def test_text_filters_refuse_nul(api: ApiClient, user: str) -> None:
    """Found by schemathesis: a NUL in ``category`` reached PostgreSQL (500)."""
    for name in ("category", "search"):
        found = api.get("/api/apps/", user=user, query={name: "So\x00cial"})
        assert found.status == 400 and list(found.body) == [name], found.body
