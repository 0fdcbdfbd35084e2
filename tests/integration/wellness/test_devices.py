"""Devices through the handlers: CRUD, filters, pages, primary, sync, relationships, hostile input."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

from tests.integration.wellness.conftest import concurrently, unique_user
from tests.support.clients import ApiClient

PHONE = {"name": "Pixel", "platform": "android", "personality_type": "snarky"}


def _cursor(url: str) -> str:
    return parse_qs(urlsplit(url).query)["cursor"][0]


def test_create_get_update_delete(api: ApiClient, user: str) -> None:
    made = api.post("/api/devices/", {**PHONE, "client_device_id": "install-1", "model": "Pixel 8"}, user=user)
    assert made.status == 201, made.body
    device = made.body
    assert device["is_primary"] and device["is_active"] and device["client_device_id"] == "install-1"
    assert api.get(f"/api/devices/{device['id']}/", user=user).body == device
    patched = api.patch(f"/api/devices/{device['id']}/", {"personality_type": "philosophical"}, user=user)
    assert patched.status == 200 and patched.body["personality_type"] == "philosophical" and patched.body["model"] == "Pixel 8"
    put = api.put(f"/api/devices/{device['id']}/", {"name": "Old phone", "platform": "android", "personality_type": "boomer"}, user=user)
    assert put.status == 200 and put.body["model"] is None and put.body["client_device_id"] is None
    assert api.delete(f"/api/devices/{device['id']}/", user=user).status == 204
    assert api.get(f"/api/devices/{device['id']}/", user=user).status == 404


def test_another_users_device_is_404_everywhere(api: ApiClient, device: dict, user: str) -> None:
    mallory = unique_user()
    path = f"/api/devices/{device['id']}/"
    for call in (lambda: api.get(path, user=mallory), lambda: api.patch(path, {"name": "x"}, user=mallory),
                 lambda: api.put(path, PHONE, user=mallory), lambda: api.delete(path, user=mallory),
                 lambda: api.post(path + "set_primary/", user=mallory), lambda: api.post(path + "sync/", user=mallory)):
        found = call()
        assert found.status == 404 and found.body == {"detail": "device not found", "code": "device_not_found"}, found.body
    assert api.get(path, user=user).body["name"] == "Pixel"  # untouched
    assert api.get("/api/devices/", user=mallory).body["results"] == []


def test_bad_personality_and_platform_are_400_naming_the_field(api: ApiClient, user: str) -> None:
    found = api.post("/api/devices/", {**PHONE, "personality_type": "grumpy"}, user=user)
    assert found.status == 400 and list(found.body) == ["personality_type"], found.body
    found = api.post("/api/devices/", {"name": "", "platform": "nokia"}, user=user)
    assert found.status == 400 and set(found.body) == {"name", "platform"}, found.body
    found = api.patch(f"/api/devices/{uuid.uuid4()}/", {"name": None}, user=user)
    assert found.status == 400 and found.body == {"name": ["may not be null"]}
    assert api.get("/api/devices/not-a-uuid/", user=user).status == 400


def test_client_id_is_stable_a_retry_is_the_same_device_another_is_409(api: ApiClient, user: str) -> None:
    first = api.post("/api/devices/", {**PHONE, "client_device_id": "abc"}, user=user)
    again = api.post("/api/devices/", {**PHONE, "client_device_id": "abc"}, user=user)
    assert first.status == 201 and again.status == 200 and again.body["id"] == first.body["id"]
    other = api.post("/api/devices/", {**PHONE, "name": "Tablet", "client_device_id": "abc"}, user=user)
    assert other.status == 409 and other.body["code"] == "duplicate_device"
    second = api.post("/api/devices/", {**PHONE, "client_device_id": "xyz"}, user=user).body
    clash = api.patch(f"/api/devices/{second['id']}/", {"client_device_id": "abc"}, user=user)
    assert clash.status == 409 and clash.body["code"] == "duplicate_device"
    # another user may use the same client id (ids are per user)
    assert api.post("/api/devices/", {**PHONE, "client_device_id": "abc"}, user=unique_user()).status == 201


def test_concurrent_registrations_of_one_client_id_make_one_device(api: ApiClient, user: str) -> None:
    body = {**PHONE, "client_device_id": "race"}
    answers = concurrently([lambda: api.post("/api/devices/", body, user=user)] * 6)
    assert sorted(a.status for a in answers) == [200] * 5 + [201]
    assert len({a.body["id"] for a in answers}) == 1
    assert len(api.get("/api/devices/", user=user).body["results"]) == 1


def test_filters_and_pages_with_next_and_previous(api: ApiClient, user: str) -> None:
    for i in range(5):
        api.post("/api/devices/", {"name": f"d{i}", "platform": "ios" if i % 2 else "android",
                                   "personality_type": "gossip" if i < 2 else "logical", "is_active": i != 4}, user=user)
    assert [d["name"] for d in api.get("/api/devices/", user=user, query={"platform": "ios"}).body["results"]] == ["d1", "d3"]
    assert [d["name"] for d in api.get("/api/devices/", user=user, query={"personality_type": "gossip"}).body["results"]] == ["d0", "d1"]
    assert [d["name"] for d in api.get("/api/devices/", user=user, query={"is_active": "false"}).body["results"]] == ["d4"]
    assert api.get("/api/devices/", user=user, query={"platform": "nokia"}).status == 400

    first = api.get("/api/devices/", user=user, query={"limit": "2"}).body
    assert [d["name"] for d in first["results"]] == ["d0", "d1"] and first["previous"] is None
    assert first["next"].startswith("http") and "limit=2" in first["next"]
    second = api.get("/api/devices/", user=user, query={"limit": "2", "cursor": _cursor(first["next"])}).body
    assert [d["name"] for d in second["results"]] == ["d2", "d3"]
    back = api.get("/api/devices/", user=user, query={"limit": "2", "cursor": _cursor(second["previous"])}).body
    assert [d["name"] for d in back["results"]] == ["d0", "d1"] and back["previous"] is None and back["next"]
    last = api.get("/api/devices/", user=user, query={"limit": "2", "cursor": _cursor(second["next"])}).body
    assert [d["name"] for d in last["results"]] == ["d4"] and last["next"] is None and last["previous"]
    bad = api.get("/api/devices/", user=user, query={"cursor": "bm90LWEtY3Vyc29y"})
    assert bad.status == 400 and bad.body == {"cursor": ["not a cursor of this list"]}


def test_set_primary_is_exactly_one_even_concurrently(api: ApiClient, user: str) -> None:
    ids = [api.post("/api/devices/", {**PHONE, "name": f"p{i}"}, user=user).body["id"] for i in range(4)]
    assert [d["is_primary"] for d in api.get("/api/devices/", user=user).body["results"]] == [True, False, False, False]
    answers = concurrently([lambda i=i: api.post(f"/api/devices/{i}/set_primary/", user=user) for i in ids * 3])
    assert all(a.status == 200 and a.body["is_primary"] for a in answers)
    devices = api.get("/api/devices/", user=user).body["results"]
    assert sum(d["is_primary"] for d in devices) == 1
    primary = next(d["id"] for d in devices if d["is_primary"])
    api.delete(f"/api/devices/{primary}/", user=user)
    left = api.get("/api/devices/", user=user).body["results"]
    assert sum(d["is_primary"] for d in left) == 1 and left[0]["is_primary"]  # the oldest took over


def test_sync_sets_last_synced_at(api: ApiClient, device: dict, user: str) -> None:
    assert device["last_synced_at"] is None
    synced = api.post(f"/api/devices/{device['id']}/sync/", user=user)
    assert synced.status == 200 and synced.body["last_synced_at"] is not None


def test_relationships(api: ApiClient, user: str) -> None:
    a = api.post("/api/devices/", {**PHONE, "name": "a"}, user=user).body["id"]
    b = api.post("/api/devices/", {**PHONE, "name": "b"}, user=user).body["id"]
    made = api.post("/api/devices/relationships/", {"device_a": b, "device_b": a, "relationship_type": "rivals"}, user=user)
    assert made.status == 201 and {made.body["device_a"], made.body["device_b"]} == {a, b}
    again = api.post("/api/devices/relationships/", {"device_a": a, "device_b": b, "relationship_type": "rivals"}, user=user)
    assert again.status == 200 and again.body["id"] == made.body["id"]
    other = api.post("/api/devices/relationships/", {"device_a": a, "device_b": b, "relationship_type": "besties"}, user=user)
    assert other.status == 409 and other.body["code"] == "duplicate_relationship"
    self_rel = api.post("/api/devices/relationships/", {"device_a": a, "device_b": a, "relationship_type": "besties"}, user=user)
    assert self_rel.status == 400 and list(self_rel.body) == ["device_b"]
    foreign = api.post("/api/devices/", PHONE, user=unique_user()).body["id"]
    hostile = api.post("/api/devices/relationships/", {"device_a": a, "device_b": foreign, "relationship_type": "siblings"}, user=user)
    assert hostile.status == 400 and hostile.body == {"device_b": ["not a device of yours"]}
    listed = api.get("/api/devices/relationships/", user=user, query={"device_id": a}).body["results"]
    assert [r["id"] for r in listed] == [made.body["id"]]
    assert api.delete(f"/api/devices/relationships/{made.body['id']}/", user=unique_user()).status == 404
    api.delete(f"/api/devices/{b}/", user=user)  # deleting a device deletes its relationships
    assert api.get("/api/devices/relationships/", user=user).body["results"] == []
