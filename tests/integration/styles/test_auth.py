"""Google sign-in through the user pool (design document 004, M1-Auth-Backend tests; issue 12 item
2) against a local fake of the pool's token and revoke endpoints (``tests.support.fake_cognito``),
through the styles handlers on real PostgreSQL."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration.styles.helpers import at_once
from tests.support.apigw import LambdaContext, http_event
from tests.support.fake_cognito import FakeCognito

CALLBACK = "http://127.0.0.1:3000/styles/api/auth/google/callback"


@pytest.fixture(scope="module")
def cognito(styles_env: None) -> Iterator[FakeCognito]:
    import os

    from styles.settings import get_settings

    with FakeCognito() as fake:
        saved = {k: os.environ.get(k) for k in ("COGNITO_DOMAIN_URL", "USER_POOL_CLIENT_ID", "OAUTH_CALLBACK_URL")}
        os.environ.update({"COGNITO_DOMAIN_URL": fake.url, "USER_POOL_CLIENT_ID": fake.client_id,
                           "OAUTH_CALLBACK_URL": CALLBACK})
        get_settings.cache_clear()
        yield fake
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        get_settings.cache_clear()


def _call(method: str, path: str, *, query: dict | None = None, cookies: list[str] | None = None,
          json_body: Any = None, user: str | None = None) -> dict[str, Any]:
    from styles.api import handler

    claims = {"sub": user, "email": f"{user}@example.com"} if user else None
    event = http_event(method, path, base_path="/styles", query=query, json_body=json_body, claims=claims)
    if cookies:
        event["cookies"] = cookies
    out = handler(event, LambdaContext())
    raw = out.get("body") or ""
    if out.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode()
    out["json"] = json.loads(raw) if raw and out["headers"].get("content-type", "").startswith("application/json") else None
    return out


def _login() -> tuple[dict[str, str], str]:
    """The login redirect's query parameters and the cookie it sets (``name=value``)."""
    out = _call("GET", "/api/auth/google/login")
    assert out["statusCode"] == 302, out
    location = out["headers"]["location"]
    (cookie,) = out["cookies"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}, cookie.split(";")[0]


def _sign_in(cognito: FakeCognito, user=None) -> dict[str, Any]:
    params, cookie = _login()
    code = cognito.authorize(params, user or cognito.google_user())
    return _call("GET", "/api/auth/google/callback", query={"code": code, "state": params["state"]}, cookies=[cookie])


def test_login_redirects_to_the_hosted_ui_with_google_and_pkce(cognito: FakeCognito) -> None:
    out = _call("GET", "/api/auth/google/login")
    assert out["statusCode"] == 302
    location = urlsplit(out["headers"]["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == cognito.url + "/oauth2/authorize"
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert params["identity_provider"] == "Google" and params["response_type"] == "code"
    assert params["client_id"] == cognito.client_id and params["redirect_uri"] == CALLBACK
    assert params["scope"] == "openid email profile" and params["code_challenge_method"] == "S256"
    assert params["state"] and len(params["code_challenge"]) == 43
    (cookie,) = out["cookies"]
    attributes = {a.strip().split("=")[0].lower() for a in cookie.split(";")}
    assert cookie.startswith("styles_oauth=") and {"httponly", "secure", "samesite", "max-age", "path"} <= attributes


def test_callback_makes_the_user_grants_100_once_and_answers_the_tokens(cognito: FakeCognito) -> None:
    ada = cognito.google_user("Ada")
    out = _sign_in(cognito, ada)
    assert out["statusCode"] == 200, out["json"]
    data = out["json"]["data"]
    assert set(data["tokens"]) == {"id_token", "access_token", "refresh_token", "expires_in", "token_type"}
    assert data["is_new_user"] is True
    user = data["user"]
    assert user["id"] == ada.sub and user["email"] == ada.email and user["display_name"] == "Ada"
    assert user["token_balance"] == 100 and user["role"] == "user" and user["provider"] == "google"
    assert user["profile_image_url"] == ada.picture
    assert any(c.startswith("styles_oauth=") and "Max-Age=0" in c for c in out["cookies"])  # the cookie is spent
    again = _sign_in(cognito, ada)  # a second sign-in: the same user, no second grant
    assert again["statusCode"] == 200 and again["json"]["data"]["is_new_user"] is False
    assert again["json"]["data"]["user"]["token_balance"] == 100
    me = _call("GET", "/api/auth/me", user=ada.sub)  # the pool's sub is the platform user id
    assert me["json"]["data"]["token_balance"] == 100 and me["json"]["data"]["id"] == ada.sub
    token_calls = [r for r in cognito.requests if r["path"] == "/oauth2/token"]
    assert token_calls[-1]["content_type"].startswith("application/x-www-form-urlencoded")
    assert token_calls[-1]["form"]["redirect_uri"] == CALLBACK and token_calls[-1]["form"]["code_verifier"]


def test_concurrent_callbacks_of_one_new_user_grant_100_not_200(cognito: FakeCognito) -> None:
    from backlot import db
    from backlot.auth import user_id_for_subject

    from styles.users import signin

    grace = cognito.google_user("Grace")
    logins = []
    for _ in range(6):
        params, cookie = _login()
        logins.append((cognito.authorize(params, grace), params["state"], cookie.split("=", 1)[1]))
    results = at_once(6, lambda i: signin.callback(code=logins[i][0], state_value=logins[i][1], verifier=logins[i][2]))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert [r["is_new_user"] for r in results].count(True) == 1
    with db.transaction() as conn:
        rows = conn.execute("SELECT type, amount FROM styles.token_transactions WHERE user_id = %s",
                            (user_id_for_subject(grace.sub),)).fetchall()
    assert rows == [{"type": "welcome", "amount": 100}]


@pytest.mark.parametrize("forge", ["no-state", "no-cookie", "tampered", "another-browser", "garbage", "expired"])
def test_a_forged_state_is_400_and_exchanges_nothing(cognito: FakeCognito, forge: str) -> None:
    from backlot import db

    from styles.users import state

    params, cookie = _login()
    other_params, other_cookie = _login()
    code = cognito.authorize(params, cognito.google_user())
    query = {"code": code, "state": params["state"]}
    cookies = [cookie]
    if forge == "no-state":
        query.pop("state")
    elif forge == "no-cookie":
        cookies = []
    elif forge == "tampered":
        payload, _, sig = params["state"].partition(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["exp"] += 3600
        query["state"] = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=") + "." + sig
    elif forge == "another-browser":
        cookies = [other_cookie]
    elif forge == "garbage":
        query["state"] = "not-a-state"
    elif forge == "expired":
        with db.transaction() as conn:
            key = state.signing_key(conn)
        old = state.new_login(key, now=1_000_000)
        query["state"], cookies = old.state, [f"styles_oauth={old.verifier}"]
    before = len(cognito.requests)
    out = _call("GET", "/api/auth/google/callback", query=query, cookies=cookies)
    assert out["statusCode"] == 400 and out["json"]["error"]["code"] == "invalid_state", out["json"]
    assert len(cognito.requests) == before  # the code was never sent to the token endpoint
    assert other_params  # (its login only provides another browser's cookie)


def test_a_code_the_token_endpoint_rejects_is_400_and_makes_no_user(cognito: FakeCognito) -> None:
    from backlot import db
    from backlot.auth import user_id_for_subject

    bob = cognito.google_user("Bob")
    params, cookie = _login()
    code = cognito.authorize(params, bob)
    wrong = _call("GET", "/api/auth/google/callback", query={"code": str(uuid.uuid4()), "state": params["state"]},
                  cookies=[cookie])
    assert wrong["statusCode"] == 400 and wrong["json"]["error"]["code"] == "oauth_failed"
    assert "invalid_grant" in wrong["json"]["error"]["message"]
    ok = _call("GET", "/api/auth/google/callback", query={"code": code, "state": params["state"]}, cookies=[cookie])
    assert ok["statusCode"] == 200
    replay = _call("GET", "/api/auth/google/callback", query={"code": code, "state": params["state"]}, cookies=[cookie])
    assert replay["statusCode"] == 400 and replay["json"]["error"]["code"] == "oauth_failed"  # a code is single-use
    with db.transaction() as conn:
        assert conn.execute("SELECT count(*) AS n FROM styles.users WHERE user_id = %s",
                            (user_id_for_subject(bob.sub),)).fetchone()["n"] == 1


def test_the_user_cancelling_at_google_is_400(cognito: FakeCognito) -> None:
    params, cookie = _login()
    out = _call("GET", "/api/auth/google/callback", query={"error": "access_denied", "state": params["state"]},
                cookies=[cookie])
    assert out["statusCode"] == 400 and out["json"]["error"]["code"] == "oauth_failed"


def test_an_unreachable_token_endpoint_is_502(cognito: FakeCognito) -> None:
    params, cookie = _login()
    code = cognito.authorize(params, cognito.google_user())
    cognito.fail_with = 503
    try:
        out = _call("GET", "/api/auth/google/callback", query={"code": code, "state": params["state"]}, cookies=[cookie])
    finally:
        cognito.fail_with = None
    assert out["statusCode"] == 502 and out["json"]["error"]["code"] == "oauth_unavailable"


def test_logout_revokes_the_refresh_token_and_is_idempotent(cognito: FakeCognito) -> None:
    signed = _sign_in(cognito)["json"]["data"]
    refresh = signed["tokens"]["refresh_token"]
    for _ in range(2):
        out = _call("POST", "/api/auth/logout", json_body={"refresh_token": refresh})
        assert out["statusCode"] == 200 and out["json"] == {"success": True, "data": {"logged_out": True}}
    assert refresh in cognito.revoked
    revokes = [r for r in cognito.requests if r["path"] == "/oauth2/revoke"]
    assert revokes[-1]["form"] == {"token": refresh, "client_id": cognito.client_id}
    assert _call("POST", "/api/auth/logout")["statusCode"] == 200  # nothing to revoke


def test_me_is_401_in_the_styles_shape_without_a_signed_in_user(cognito: FakeCognito) -> None:
    out = _call("GET", "/api/auth/me")
    assert out["statusCode"] == 401
    assert out["json"]["success"] is False and out["json"]["error"]["code"] == "unauthorized"


def test_a_user_first_seen_through_a_platform_token_gets_the_welcome_tokens(cognito: FakeCognito) -> None:
    name = f"dev-{uuid.uuid4().hex[:8]}"
    me = _call("GET", "/api/auth/me", user=name)["json"]["data"]
    assert me["token_balance"] == 100 and me["role"] == "user" and me["artist"] is None
    assert _call("GET", "/api/auth/me", user=name)["json"]["data"]["token_balance"] == 100


def test_an_artist_group_makes_an_artist_with_a_profile(cognito: FakeCognito) -> None:
    from styles.api import handler

    name = f"artist-{uuid.uuid4().hex[:8]}"
    event = http_event("GET", "/api/auth/me", base_path="/styles",
                       claims={"sub": name, "email": f"{name}@example.com", "cognito:groups": "[artist]"})
    body = json.loads(handler(event, LambdaContext())["body"])["data"]
    assert body["role"] == "artist" and body["artist"] == {"bio": "", "website_url": None}
