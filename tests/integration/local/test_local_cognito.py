"""``backlot_local.cognito``: the root template's user pool and app client made in moto, their ids
given to the functions and the JWT authorizers, which then accept that pool's tokens (and still
the local development tokens) and refuse a token of another pool or client."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from backlot_local.apigw import HttpRequest
from backlot_local.authorizers import authorize_jwt
from backlot_local.cognito import provision_user_pools
from backlot_local.emulator import client
from backlot_local.template import JwtAuthorizerConfig, load_application
from backlot_local.tokens import load_keys, make_token

from tests.integration.local.conftest import REPO_ROOT

PASSWORD = "Correct-Horse-9"


def _request(token: str) -> HttpRequest:
    return HttpRequest("GET", "/wellness/api/devices/", "", [("authorization", f"Bearer {token}")], b"", "127.0.0.1")


def _id_token(idp, pool_id: str, client_id: str, email: str) -> str:
    idp.sign_up(ClientId=client_id, Username=email, Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": email}])
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=email)
    found = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})
    return found["AuthenticationResult"]["IdToken"]


@pytest.fixture(scope="module")
def provisioned(local_moto: str):
    app = load_application(REPO_ROOT, aws_endpoint=local_moto)
    ids = provision_user_pools(app, local_moto, log=lambda _: None)
    assert provision_user_pools(app, local_moto, log=lambda _: None) == {}  # once per application
    return app, ids


def test_ids_reach_functions_and_authorizers(provisioned) -> None:
    app, ids = provisioned
    pool_id = next(v for k, v in ids.items() if k.endswith("UserPool"))
    client_id = next(v for k, v in ids.items() if k.endswith("UserPoolClient"))
    register = next(f for f in app.functions if f.logical_id == "RegisterUserFunction")
    assert (register.environment["COGNITO_USER_POOL_ID"], register.environment["COGNITO_CLIENT_ID"]) == (pool_id, client_id)
    jwt_authorizers = [a for api in app.apis for a in api.authorizers.values() if isinstance(a, JwtAuthorizerConfig)]
    assert jwt_authorizers and all(a.issuer.endswith(f"/{pool_id}") and a.audience == [client_id] and a.jwks_uri
                                   for a in jwt_authorizers)
    assert not any("local-UserPool" in v for f in app.functions for v in f.environment.values())
    # functions that verify tokens themselves (backlot.bearer) get the pool's keys as the authorizer does
    verifying = [f for f in app.functions if f.environment.get("JWT_ISSUER")]
    assert verifying and all(f.environment["JWT_ISSUER"].endswith(f"/{pool_id}") and f.environment["JWT_AUDIENCE"] == client_id
                             and f.environment["JWT_JWKS_URL"].endswith(f"/{pool_id}/.well-known/jwks.json") for f in verifying)


def test_the_authorizer_takes_the_pools_tokens_and_local_ones(provisioned, local_moto: str) -> None:
    app, ids = provisioned
    pool_id = next(v for k, v in ids.items() if k.endswith("UserPool"))
    client_id = next(v for k, v in ids.items() if k.endswith("UserPoolClient"))
    authorizer = next(a for api in app.apis for a in api.authorizers.values() if isinstance(a, JwtAuthorizerConfig))
    idp = client("cognito-idp", local_moto)
    keys = load_keys(Path(tempfile.mkdtemp(prefix="backlot-keys-")))

    token = _id_token(idp, pool_id, client_id, "pool-user@example.com")
    decision = authorize_jwt(authorizer, _request(token), keys, [])
    assert decision.allowed and decision.authorizer["jwt"]["claims"]["email"] == "pool-user@example.com"
    assert authorize_jwt(authorizer, _request(make_token(keys, "dev-user")), keys, []).allowed

    # a pool the templates do not declare: same signing key in moto, other issuer -> refused
    other_pool = idp.create_user_pool(PoolName="other", UsernameAttributes=["email"])["UserPool"]["Id"]
    other_client = idp.create_user_pool_client(UserPoolId=other_pool, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    stranger = _id_token(idp, other_pool, other_client["UserPoolClient"]["ClientId"], "stranger@example.com")
    refused = authorize_jwt(authorizer, _request(stranger), keys, [])
    assert not refused.allowed and refused.response.status == 401
    # another client of the same pool: wrong audience -> refused
    second = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="second", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    found = idp.initiate_auth(ClientId=second["UserPoolClient"]["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": "pool-user@example.com", "PASSWORD": PASSWORD})
    assert not authorize_jwt(authorizer, _request(found["AuthenticationResult"]["IdToken"]), keys, []).allowed
    assert not authorize_jwt(authorizer, _request(token[:-6] + "AAAAAA"), keys, []).allowed  # tampered
