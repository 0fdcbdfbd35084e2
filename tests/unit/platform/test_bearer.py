"""backlot.bearer: a bearer token verified in the function exactly as API Gateway's JWT authorizer
would, against a local fake issuer serving its JWKS over HTTP (tests/support/fake_issuer.py)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import jwt
import pytest

from backlot import bearer
from tests.support.fake_issuer import FakeIssuer, new_key


@pytest.fixture(scope="module")
def idp() -> Iterator[FakeIssuer]:
    issuer = FakeIssuer()
    yield issuer
    issuer.close()


@pytest.fixture
def trusted(idp: FakeIssuer) -> list[bearer.Issuer]:
    return [bearer.Issuer(idp.url, (idp.audience,), f"{idp.url}/.well-known/jwks.json")]


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_a_valid_id_token_gives_its_claims(idp: FakeIssuer, trusted: list[bearer.Issuer]) -> None:
    claims = bearer.verify(idp.token("alice"), trusted)
    assert claims["sub"] == "alice" and claims["email"] == "alice@example.com"


def test_an_access_token_is_accepted_by_its_client_id(idp: FakeIssuer, trusted: list[bearer.Issuer]) -> None:
    token = idp.token("bob", aud=None, client_id=idp.audience, token_use="access")
    assert bearer.verify(token, trusted)["sub"] == "bob"


def test_keys_are_fetched_once_per_execution_environment(idp: FakeIssuer, trusted: list[bearer.Issuer]) -> None:
    bearer.verify(idp.token("carol"), trusted)
    before = idp.fetches
    for _ in range(3):
        bearer.verify(idp.token("carol"), trusted)
    assert idp.fetches == before


@pytest.mark.parametrize("case", ["forged", "foreign_kid", "expired", "not_yet_valid", "wrong_audience",
                                  "wrong_issuer", "alg_none", "hs256_with_public_key", "not_a_jwt", "no_exp"])
def test_a_bad_token_is_refused(idp: FakeIssuer, trusted: list[bearer.Issuer], case: str) -> None:
    now = int(time.time())
    token = {
        # signed by another key but naming the issuer's kid
        "forged": lambda: idp.token("mallory", key=new_key()),
        "foreign_kid": lambda: idp.token("mallory", key=new_key(), kid="not-the-issuers"),
        "expired": lambda: idp.token("alice", iat=now - 7200, exp=now - 3600),
        "not_yet_valid": lambda: idp.token("alice", nbf=now + 600),
        "wrong_audience": lambda: idp.token("alice", aud="another-client"),
        "wrong_issuer": lambda: idp.token("alice", iss="https://cognito-idp.us-east-1.amazonaws.com/other"),
        "alg_none": lambda: f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': idp.kid})}.{_b64(idp.claims('admin'))}.",
        "hs256_with_public_key": lambda: jwt.encode(
            idp.claims("admin"), "x" * 32, algorithm="HS256", headers={"kid": idp.kid}),
        "not_a_jwt": lambda: "definitely-not-a-token",
        "no_exp": lambda: idp.token("alice", exp=None),
    }[case]()
    with pytest.raises(bearer.InvalidToken):
        bearer.verify(token, trusted)


def test_no_trusted_issuer_refuses_every_token(idp: FakeIssuer) -> None:
    with pytest.raises(bearer.InvalidToken, match="issuer"):
        bearer.verify(idp.token("alice"), [])


def test_issuers_from_env_reads_the_template_and_local_settings() -> None:
    env = {"JWT_ISSUER": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc", "JWT_AUDIENCE": "c1, c2",
           "JWT_EXTRA_ISSUERS": json.dumps([{"issuer": "backlot-local", "audience": ["backlot-local"],
                                             "jwks_url": "http://127.0.0.1:3000/.well-known/backlot-local/jwks.json"}])}
    first, local = bearer.issuers_from_env(env)
    assert first == bearer.Issuer("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc", ("c1", "c2"),
                                  "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/.well-known/jwks.json")
    assert local.issuer == "backlot-local" and local.audiences == ("backlot-local",)
    assert bearer.issuers_from_env({"JWT_ISSUER": "https://x/p", "JWT_JWKS_URL": "http://moto/p/keys"})[0].jwks_url == "http://moto/p/keys"
    assert bearer.issuers_from_env({}) == []


@pytest.mark.parametrize(("header", "token"), [(None, None), ("", None), ("Bearer   ", "Bearer"), ("Bearer abc", "abc"),
                                               ("bearer abc", "abc"), ("abc", "abc")])
def test_bearer_token_takes_the_prefix_as_the_gateway_does(header: str | None, token: str | None) -> None:
    assert bearer.bearer_token(header) == token
