"""Development JWTs and the JWT authorizer's checks."""

from __future__ import annotations

import time

import jwt
import pytest

from backlot.auth import user_id_for_subject
from backlot_local.apigw import HttpRequest
from backlot_local.authorizers import authorize_jwt
from backlot_local.template import JwtAuthorizerConfig
from backlot_local.tokens import InvalidToken, load_keys, make_token, verify_token

AUTHORIZER = JwtAuthorizerConfig(name="Jwt", identity_source=["$request.header.Authorization"], issuer="ignored", audience=["ignored"])


def _request(authorization: str | None) -> HttpRequest:
    headers = [("Host", "x")] + ([("Authorization", authorization)] if authorization is not None else [])
    return HttpRequest("GET", "/x", "", headers, b"", "127.0.0.1")


def test_keys_are_made_once_and_reused(tmp_path) -> None:
    first, second = load_keys(tmp_path), load_keys(tmp_path)
    assert first == second and len(first.kid) == 16
    assert (tmp_path / "jwt" / "private.pem").stat().st_mode & 0o777 == 0o600


def test_token_round_trip(tmp_path) -> None:
    keys = load_keys(tmp_path)
    token = make_token(keys, "alice", groups=["admin"], email="alice@example.com", ttl=60)
    claims = verify_token(keys, token)
    assert claims["sub"] == "alice" and claims["cognito:groups"] == ["admin"]
    assert claims["iss"] == claims["aud"] == "backlot-local" and claims["token_use"] == "id"
    assert claims["exp"] - claims["iat"] == 60
    assert "cognito:groups" not in verify_token(keys, make_token(keys, "bob"))


def test_bad_tokens_are_refused(tmp_path) -> None:
    keys, other = load_keys(tmp_path / "a"), load_keys(tmp_path / "b")
    with pytest.raises(InvalidToken, match="expired"):
        verify_token(keys, make_token(keys, "alice", ttl=-10))
    with pytest.raises(InvalidToken, match="local key"):
        verify_token(keys, make_token(other, "alice"))
    forged = jwt.encode({"sub": "alice", "iss": "backlot-local", "aud": "someone-else", "exp": int(time.time()) + 60}, keys.private_pem, algorithm="RS256", headers={"kid": keys.kid})
    with pytest.raises(InvalidToken, match="audience"):
        verify_token(keys, forged)
    with pytest.raises(InvalidToken):
        verify_token(keys, "not-a-jwt")


def test_jwt_authorizer_decisions(tmp_path) -> None:
    keys = load_keys(tmp_path)
    token = make_token(keys, "alice", groups=["admin"])
    for header in (f"Bearer {token}", f"bearer {token}", token):
        decision = authorize_jwt(AUTHORIZER, _request(header), keys, [])
        assert decision.allowed
        claims = decision.authorizer["jwt"]["claims"]
        assert claims["cognito:groups"] == "[admin]" and isinstance(claims["exp"], str)
        assert decision.authorizer["jwt"]["scopes"] is None
    missing = authorize_jwt(AUTHORIZER, _request(None), keys, [])
    assert (missing.allowed, missing.response.status, missing.response.body) == (False, 401, b'{"message":"Unauthorized"}')
    expired = authorize_jwt(AUTHORIZER, _request(f"Bearer {make_token(keys, 'alice', ttl=-5)}"), keys, [])
    assert expired.response.status == 401
    assert 'error="invalid_token"' in dict(expired.response.headers)["www-authenticate"]
    unscoped = authorize_jwt(AUTHORIZER, _request(f"Bearer {token}"), keys, ["orders/write"])
    assert unscoped.response.status == 403 and unscoped.response.body == b'{"message":"Forbidden"}'


def test_sub_maps_to_the_platform_user_id(tmp_path) -> None:
    keys = load_keys(tmp_path)
    claims = verify_token(keys, make_token(keys, "alice"))
    assert user_id_for_subject(claims["sub"]) == user_id_for_subject("alice")
