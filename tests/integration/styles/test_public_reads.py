"""Styles' public reads and ``/api/auth/me`` open at the gateway (``Auth: NONE``), their token
verified in the function (``backlot.bearer``) against a local fake issuer serving its JWKS over
HTTP, through the styles handlers on real PostgreSQL: anonymous reads work (design document 004,
"Test list styles (anonymous and authenticated)", "Test list tags (public access)", M5 feed and
image detail); with a valid token the per-user fields appear; a bad token is a 401 in the styles
envelope, never anonymous; ``/me`` without a token is a 401 in the envelope (M1-Auth-Backend)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from tests.integration.styles.community.seed import image, member, model, requests_at_once
from tests.support.clients import ApiClient
from tests.support.fake_issuer import FakeIssuer, new_key


@pytest.fixture(scope="module")
def idp(styles_env: None) -> Iterator[FakeIssuer]:
    issuer = FakeIssuer()
    saved = {k: os.environ.get(k) for k in ("JWT_ISSUER", "JWT_AUDIENCE", "JWT_JWKS_URL", "JWT_EXTRA_ISSUERS")}
    os.environ.update({"JWT_ISSUER": issuer.url, "JWT_AUDIENCE": issuer.audience})
    for k in ("JWT_JWKS_URL", "JWT_EXTRA_ISSUERS"):
        os.environ.pop(k, None)
    yield issuer
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    issuer.close()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_feed_and_image_are_public_and_a_token_adds_the_viewers_fields(api: ApiClient, idp: FakeIssuer) -> None:
    liker, liker_id = member(api, "pub")
    style = model(liker_id, name="Open")
    shared = image(liker_id, style, visibility="public")
    hidden = image(liker_id, style)
    assert api.post(f"/api/images/{shared}/like", user=liker).status == 200

    anonymous = api.get(f"/api/images/{shared}", user=None)
    assert anonymous.status == 200, anonymous.body
    assert anonymous.body["data"]["is_liked_by_current_user"] is False and anonymous.body["data"]["is_owner"] is False
    assert anonymous.body["data"]["like_count"] == 1
    assert api.get(f"/api/images/{hidden}", user=None).status == 404  # private stays private

    mine = api.get(f"/api/images/{shared}", user=None, headers=_bearer(idp.token(liker)))
    assert mine.status == 200, mine.body
    assert mine.body["data"]["is_liked_by_current_user"] is True and mine.body["data"]["is_owner"] is True
    own_private = api.get(f"/api/images/{hidden}", user=None, headers=_bearer(idp.token(liker)))
    assert own_private.status == 200  # the token made the owner known

    feed = api.get("/api/community/feed", user=None)
    assert feed.status == 200 and all(i["is_liked_by_current_user"] is False for i in feed.body["data"]["items"])
    assert api.get(f"/api/images/{shared}/comments", user=None).status == 200


def test_models_and_tags_are_public(api: ApiClient, idp: FakeIssuer) -> None:
    artist, artist_id = member(api, "art", groups=("artist",))
    done = model(artist_id, tags=["publicread"])
    pending = model(artist_id, status="training")
    anonymous = api.get("/api/models/", user=None, query={"artist_id": str(artist_id)})
    assert anonymous.status == 200, anonymous.body
    assert [m["id"] for m in anonymous.body["data"]["items"]] == [str(done)]  # completed ones only
    own = api.get("/api/models/", user=None, query={"artist_id": str(artist_id)}, headers=_bearer(idp.token(artist)))
    assert {m["id"] for m in own.body["data"]["items"]} == {str(done), str(pending)}  # the artist's own pending one
    assert api.get(f"/api/models/{done}", user=None).status == 200
    assert api.get(f"/api/models/{pending}", user=None).status == 404
    tags = api.get("/api/tags/", user=None, query={"search": "publicre"})
    assert tags.status == 200 and [t["name"] for t in tags.body["data"]["items"]] == ["publicread"]


@pytest.mark.parametrize("case", ["forged", "expired", "wrong_audience", "garbage"])
def test_a_bad_token_on_a_public_read_is_a_401_in_the_envelope(api: ApiClient, idp: FakeIssuer, case: str) -> None:
    now = int(time.time())
    token = {"forged": lambda: idp.token("mallory", key=new_key()),
             "expired": lambda: idp.token("alice", iat=now - 7200, exp=now - 3600),
             "wrong_audience": lambda: idp.token("alice", aud="someone-else"),
             "garbage": lambda: "not.a.jwt"}[case]()
    for path in ("/api/community/feed", "/api/models/", "/api/tags/"):
        res = api.get(path, user=None, headers=_bearer(token))
        assert res.status == 401, (path, res.body)
        assert res.body["success"] is False and res.body["error"]["code"] == "unauthorized", res.body


def test_me_answers_401_in_the_envelope_without_a_valid_token(api: ApiClient, idp: FakeIssuer) -> None:
    for headers in ({}, _bearer("not.a.jwt"), _bearer(idp.token("alice", key=new_key()))):
        res = api.get("/api/auth/me", user=None, headers=headers)
        assert res.status == 401, res.body
        assert res.body["success"] is False and res.body["error"]["code"] == "unauthorized"
        assert set(res.body["error"]) >= {"code", "message"}
    me = api.get("/api/auth/me", user=None, headers=_bearer(idp.token("me-verified")))
    assert me.status == 200, me.body
    assert me.body["success"] is True and me.body["data"]["token_balance"] == 100  # made on first sight


def test_first_sight_through_a_verified_token_is_made_once_under_concurrency(api: ApiClient, idp: FakeIssuer) -> None:
    token = idp.token(f"burst-{time.time_ns()}")
    results = requests_at_once(6, lambda i: api.get("/api/auth/me", user=None, headers=_bearer(token)))
    assert {r.status for r in results} == {200}
    assert {r.body["data"]["token_balance"] for r in results} == {100}  # the welcome tokens once
