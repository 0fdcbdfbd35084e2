"""The wellness product over HTTP against ``backlot dev``, as a client would: a new user registers
(a Cognito user in the emulator's pool, made by ``backlot dev`` from the root template), logs in,
uses the token it got on wellness and on another product (family), registers devices, lists them
through the cursor links, and cannot see another user's device."""

from __future__ import annotations

import uuid

import httpx
import pytest

pytestmark = pytest.mark.e2e

PASSWORD = "Correct-Horse-9"


@pytest.fixture(scope="module")
def client(dev_server) -> httpx.Client:
    with httpx.Client(base_url=f"{dev_server.url}/wellness/api", timeout=60) as http:
        yield http


def _register_and_log_in(client: httpx.Client) -> tuple[str, dict]:
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
    made = client.post("/accounts/users/", json={"email": email, "password": PASSWORD, "time_zone": "Europe/Paris"})
    assert made.status_code == 201, made.text
    tokens = client.post("/accounts/login/", json={"email": email, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.text
    return tokens.json()["id_token"], made.json()


def test_register_log_in_create_device_list(client: httpx.Client, dev_server) -> None:
    token, account = _register_and_log_in(client)
    auth = {"Authorization": f"Bearer {token}"}
    me = client.get("/accounts/users/me/", headers=auth)
    assert me.status_code == 200 and me.json()["id"] == account["id"] and me.json()["profile"]["time_zone"] == "Europe/Paris"
    # the same token on another product: the accounts are the platform's
    family = httpx.get(f"{dev_server.url}/family/api/v1/me/", headers=auth, timeout=60)
    assert family.status_code == 200 and family.json()["user_id"] == account["id"], family.text

    ids = []
    for name, platform in (("Pixel", "android"), ("iPad", "ipados"), ("Laptop", "linux")):
        made = client.post("/devices/", headers=auth, json={"name": name, "platform": platform, "personality_type": "gen_z",
                                                            "client_device_id": f"install-{name}"})
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
    page = client.get("/devices/", headers=auth, params={"limit": 2}).json()
    assert [d["id"] for d in page["results"]] == ids[:2] and page["previous"] is None
    following = httpx.get(page["next"], headers=auth, timeout=60)  # the link as given: absolute, base path kept
    assert following.status_code == 200, (page["next"], following.text)
    assert [d["id"] for d in following.json()["results"]] == ids[2:]
    assert [d["name"] for d in client.get("/devices/", headers=auth, params={"platform": "ipados"}).json()["results"]] == ["iPad"]

    # another user (a development token) sees nothing of it
    other = {"Authorization": f"Bearer {dev_server.token('wellness-e2e-other')}"}
    assert client.get(f"/devices/{ids[0]}/", headers=other).status_code == 404
    assert client.get("/devices/", headers=other).json()["results"] == []
    # no token, or a forged one: the gateway refuses before any function
    assert client.get("/devices/").status_code == 401
    assert client.get("/devices/", headers={"Authorization": f"Bearer {token[:-4]}AAAA"}).status_code == 401


def test_hostile_input_is_drf_400(client: httpx.Client, dev_server) -> None:
    auth = {"Authorization": f"Bearer {dev_server.token('wellness-e2e-hostile')}"}
    bad = client.post("/devices/", headers=auth, json={"name": "x", "platform": "android", "personality_type": "grumpy"})
    assert bad.status_code == 400 and list(bad.json()) == ["personality_type"]
    zone = client.patch("/accounts/profile/", headers=auth, json={"time_zone": "Moon/Base"})
    assert zone.status_code == 400 and list(zone.json()) == ["time_zone"]
    wrong = client.post("/accounts/login/", json={"email": "nobody@example.com", "password": PASSWORD})
    assert wrong.status_code == 400 and wrong.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}
