"""Styles' public reads and ``/api/auth/me`` through ``backlot dev``: the routes are open at the
gateway (``Auth: NONE``) and the functions verify the token themselves (``backlot.bearer``),
trusting both ``backlot token`` tokens (the local key's JWKS, served by backlot dev) and the
emulator user pool's tokens (moto's JWKS), like the local JWT authorizer. Anonymous lists work;
with a token the per-user part appears (an artist's own unfinished model); a bad token is a 401 in
the styles envelope; ``/me`` without a token is a 401 in the envelope (design document 004,
M1-Auth-Backend "Return 401 if not authenticated")."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest

pytestmark = pytest.mark.e2e

PASSWORD = "Correct-Horse-9"


@pytest.fixture(scope="module")
def http(dev_server) -> httpx.Client:
    with httpx.Client(base_url=dev_server.url + "/styles", timeout=120) as client:
        yield client


def _pool_token(dev_server, email: str) -> str:
    """An ID token of the emulator's user pool (sign up, confirm, USER_PASSWORD_AUTH)."""
    import boto3

    endpoint = json.loads((dev_server.state_dir / "dev.json").read_text())["aws_endpoint"]
    pool_id = re.search(r"\[aws\] user pool (\S+) \(UserPool\)", dev_server.log()).group(1)
    client_id = re.search(r"\[aws\] user pool client (\S+) \(", dev_server.log()).group(1)
    idp = boto3.client("cognito-idp", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    idp.sign_up(ClientId=client_id, Username=email, Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": email}])
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=email)
    found = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})
    return found["AuthenticationResult"]["IdToken"]


def test_public_reads_work_anonymously_and_a_token_adds_the_callers_part(dev_server, http: httpx.Client) -> None:
    s = uuid.uuid4().hex[:8]
    artist = {"Authorization": f"Bearer {dev_server.token(f'pub-{s}', groups=('artist',))}"}
    me = http.get("/api/auth/me", headers=artist)
    assert me.status_code == 200, me.text
    artist_id = me.json()["data"]["id"]
    pending = http.post("/api/models/uploads", headers=artist, json={
        "name": f"Pending {s}", "tags": [f"pub{s}"],
        "images": [{"content_type": "image/jpeg", "size_bytes": 1000}] * 10})
    assert pending.status_code == 201, pending.text
    model_id = pending.json()["data"]["id"]

    anonymous = http.get("/api/models/", params={"artist_id": artist_id})
    assert anonymous.status_code == 200, anonymous.text
    assert anonymous.json()["data"]["items"] == []  # an unfinished model is its artist's only
    own = http.get("/api/models/", params={"artist_id": artist_id}, headers=artist)
    assert [m["id"] for m in own.json()["data"]["items"]] == [model_id]
    assert http.get(f"/api/models/{model_id}").status_code == 404
    assert http.get(f"/api/models/{model_id}", headers=artist).status_code == 200
    for path in ("/api/tags/", "/api/community/feed", f"/api/tags/{uuid.uuid4()}/"):
        res = http.get(path)
        assert res.status_code in (200, 404) and res.json()["success"] is (res.status_code == 200), (path, res.text)
    assert http.get(f"/api/images/{uuid.uuid4()}").json()["error"]["code"] == "image_not_found"


def test_me_and_a_bad_token_are_401_in_the_styles_envelope(dev_server, http: httpx.Client) -> None:
    expired = dev_server.token("pub-expired", ttl=-60)
    for headers in ({}, {"Authorization": "Bearer not.a.jwt"}, {"Authorization": f"Bearer {expired}"}):
        res = http.get("/api/auth/me", headers=headers)
        assert res.status_code == 401, res.text
        body = res.json()
        assert body["success"] is False and body["error"]["code"] == "unauthorized" and body["error"]["message"]
    listed = http.get("/api/models/", headers={"Authorization": f"Bearer {expired}"})
    assert listed.status_code == 401 and listed.json()["error"]["code"] == "unauthorized"  # never silently anonymous
    # a route still behind the gateway's authorizer keeps API Gateway's own answer
    assert http.get("/api/tokens/balance/").json() == {"message": "Unauthorized"}


def test_the_emulator_pools_tokens_are_verified_by_the_functions_too(dev_server, http: httpx.Client) -> None:
    token = _pool_token(dev_server, f"pub-{uuid.uuid4().hex[:8]}@example.com")
    me = http.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    assert me.json()["data"]["token_balance"] == 100
    assert http.get("/api/models/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
