"""The templates' Cognito user pools, made in the AWS emulator (moto), so accounts work locally.

For each ``AWS::Cognito::UserPool`` (and each ``AWS::Cognito::UserPoolClient`` of it) the emulator
gets a pool (``CreateUserPool`` with the template's ``UserPoolName``, ``UsernameAttributes``,
``AutoVerifiedAttributes``, ``Policies``...) and an app client (``ExplicitAuthFlows``,
``GenerateSecret``). Their ids are only known once made, so the templates were resolved with
placeholders (``local-UserPool``); :func:`provision_user_pools` then puts the real ids in every
function's environment and every JWT authorizer's issuer and audience, and points the authorizer at
the pool's keys (and sets ``JWT_JWKS_URL`` beside a function's ``JWT_ISSUER`` of that pool, for
``backlot.bearer``): moto signs the pool's tokens with one RSA key and serves it at
``<emulator>/<pool id>/.well-known/jwks.json`` (moto's Cognito docs: "ServerMode"), with the issuer
``https://cognito-idp.<region>.amazonaws.com/<pool id>`` that API Gateway's authorizer expects.

Lifetime: moto keeps the pools and their users in memory; they last as long as the emulator
(a ``backlot dev`` restart starts with an empty pool: register again).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backlot_local.intrinsics import to_string
from backlot_local.template import Application, JwtAuthorizerConfig

#: CreateUserPool parameters taken from the template's properties as they are.
POOL_PROPERTIES = ("UsernameAttributes", "AliasAttributes", "AutoVerifiedAttributes", "Policies", "Schema",
                   "MfaConfiguration", "AdminCreateUserConfig", "AccountRecoverySetting", "UsernameConfiguration")
CLIENT_PROPERTIES = ("ExplicitAuthFlows", "AccessTokenValidity", "IdTokenValidity", "RefreshTokenValidity", "TokenValidityUnits",
                     "PreventUserExistenceErrors", "ReadAttributes", "WriteAttributes")


def provision_user_pools(app: Application, endpoint: str, *, log: Callable[[str], None] = print) -> dict[str, str]:
    """Make the templates' user pools and app clients in the emulator (once per application:
    a second call changes nothing) and put their ids where the templates referred to them.

    Returns:
        ``{placeholder: real id}`` of the pools and clients made by this call.
    """
    from backlot_local.emulator import client

    ids: dict[str, str] = {}
    pending = [p for p in app.user_pools if not p.physical_id]
    if not pending:
        return ids
    idp = client("cognito-idp", endpoint)
    for pool in pending:
        params: dict[str, Any] = {"PoolName": to_string(pool.properties.get("UserPoolName") or pool.logical_id)}
        params |= {k: pool.properties[k] for k in POOL_PROPERTIES if k in pool.properties}
        pool_id = idp.create_user_pool(**params)["UserPool"]["Id"]
        pool.physical_id = pool_id
        ids[pool.ref] = pool_id
        log(f"[aws] user pool {pool_id} ({pool.logical_id})")
    for app_client in app.user_pool_clients:
        pool_id = ids.get(app_client.pool_ref)
        if pool_id is None:
            continue
        props = app_client.properties
        params = {"UserPoolId": pool_id, "ClientName": to_string(props.get("ClientName") or app_client.logical_id),
                  "GenerateSecret": bool(props.get("GenerateSecret", False))}
        params |= {k: props[k] for k in CLIENT_PROPERTIES if k in props}
        client_id = idp.create_user_pool_client(**params)["UserPoolClient"]["ClientId"]
        ids[app_client.ref] = client_id
        log(f"[aws] user pool client {client_id} ({app_client.logical_id}; {', '.join(props.get('ExplicitAuthFlows') or [])})")
    _substitute(app, ids, endpoint)
    return ids


def _replace(value: str, ids: dict[str, str]) -> str:
    for placeholder in sorted(ids, key=len, reverse=True):  # "local-UserPoolClient" before "local-UserPool"
        value = value.replace(placeholder, ids[placeholder])
    return value


def _substitute(app: Application, ids: dict[str, str], endpoint: str) -> None:
    pool_ids = {pid for ref, pid in ids.items() if any(p.ref == ref for p in app.user_pools)}
    for function in app.functions:
        function.environment = {k: _replace(v, ids) for k, v in function.environment.items()}
        issuer = function.environment.get("JWT_ISSUER", "")  # backlot.bearer: the pool's keys are moto's
        if issuer.startswith("https://cognito-idp.") and issuer.rstrip("/").rsplit("/", 1)[-1] in pool_ids:
            function.environment["JWT_JWKS_URL"] = f"{endpoint.rstrip('/')}/{issuer.rstrip('/').rsplit('/', 1)[-1]}/.well-known/jwks.json"
    for api in app.apis:
        for authorizer in api.authorizers.values():
            if not isinstance(authorizer, JwtAuthorizerConfig):
                continue
            authorizer.issuer = _replace(authorizer.issuer, ids)
            authorizer.audience = [_replace(a, ids) for a in authorizer.audience]
            pool_id = authorizer.issuer.rstrip("/").rsplit("/", 1)[-1]
            if authorizer.issuer.startswith("https://cognito-idp.") and pool_id in pool_ids:
                authorizer.jwks_uri = f"{endpoint.rstrip('/')}/{pool_id}/.well-known/jwks.json"
