"""Bearer JWTs verified inside the function, for routes the gateway lets through without a token.

API Gateway HTTP APIs cannot customise their JWT authorizer's refusal (``{"message":"Unauthorized"}``)
and have no "optional" authorizer: a route either requires a token or never sees one verified. The
routes a design document wants public with per-user extras (styles' model list, tags, community
feed: "anonymous and authenticated"), or refused in the product's own error shape (styles'
``/api/auth/me``: "Return 401 if not authenticated"), are therefore ``Auth: NONE`` in the template,
and their function verifies the ``Authorization`` header itself, exactly as the gateway's JWT
authorizer would (API Gateway developer guide, "Control access to HTTP APIs with JWT authorizers"):

1. the token is a JWT whose header ``kid`` names a key of the issuer's JWKS
   (``<issuer>/.well-known/jwks.json`` for a Cognito user pool), fetched with PyJWT's
   :class:`jwt.PyJWKClient` and cached per execution environment;
2. the signature verifies with that key, RS256 only (``alg: none`` and HMAC are refused);
3. ``exp`` is in the future, ``nbf``/``iat`` are not (no leeway, like the gateway);
4. ``iss`` equals the configured issuer;
5. ``aud`` (ID tokens) or ``client_id`` (access tokens) is one of the configured audiences.

The claims of a token that fails any check are never read for anything but choosing the issuer's
key set (``iss``, before verification); a failure is :class:`InvalidToken`.

Configuration (environment, set by the template's Globals): ``JWT_ISSUER`` (the user pool's issuer
URL), ``JWT_AUDIENCE`` (comma-separated app client ids), ``JWT_JWKS_URL`` (optional; default
``<issuer>/.well-known/jwks.json``), and ``JWT_EXTRA_ISSUERS`` (optional JSON list of
``{"issuer", "audience": [...], "jwks_url"}``): ``backlot dev`` uses the last two to point at the
emulator's user pool keys and to add the local development key (``backlot token``), so the same
code runs locally and on AWS.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import jwt

ALGORITHMS = ["RS256"]
"""The only signing algorithm accepted: Cognito signs with RS256, and API Gateway's JWT authorizer
supports only RSA keys."""

JWKS_TIMEOUT_S = 5
"""Time allowed to fetch an issuer's key set (a cold execution environment pays it once)."""


class InvalidToken(ValueError):
    """The bearer token is malformed, badly signed, expired, not yet valid, or has the wrong issuer
    or audience; the message is a short reason safe to show the caller."""


@dataclass(frozen=True)
class Issuer:
    """One trusted token issuer: ``issuer`` (the exact ``iss``), ``audiences`` (``aud`` or
    ``client_id`` values accepted) and ``jwks_url`` (its public keys)."""

    issuer: str
    audiences: tuple[str, ...]
    jwks_url: str


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def issuers_from_env(environ: dict[str, str] | None = None) -> list[Issuer]:
    """The trusted issuers configured in the environment (see the module docstring).

    Raises:
        ValueError: ``JWT_EXTRA_ISSUERS`` is not a JSON list of objects with ``issuer``,
            ``audience`` and ``jwks_url``.
    """
    env = os.environ if environ is None else environ
    found: list[Issuer] = []
    issuer = env.get("JWT_ISSUER", "").strip()
    if issuer:
        jwks = env.get("JWT_JWKS_URL", "").strip() or f"{issuer.rstrip('/')}/.well-known/jwks.json"
        found.append(Issuer(issuer, _split(env.get("JWT_AUDIENCE", "")), jwks))
    extra = env.get("JWT_EXTRA_ISSUERS", "").strip()
    if extra:
        for item in json.loads(extra):
            audience = item["audience"]
            audiences = (audience,) if isinstance(audience, str) else tuple(audience)
            found.append(Issuer(str(item["issuer"]), audiences, str(item["jwks_url"])))
    return found


_CLIENTS: dict[str, jwt.PyJWKClient] = {}


def _client(url: str) -> jwt.PyJWKClient:
    """The key set client of ``url``, one per execution environment (its keys cached)."""
    client = _CLIENTS.get(url)
    if client is None:
        client = _CLIENTS[url] = jwt.PyJWKClient(url, cache_keys=True, timeout=JWKS_TIMEOUT_S)
    return client


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization`` header value (``Bearer `` prefix optional, as the gateway
    accepts it), or None when the header is absent or blank. A lone ``Bearer`` is returned as the
    token: a header was sent, so it is verified (and refused), not taken as anonymous."""
    if authorization is None:
        return None
    token = authorization.strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    return token or None


def verify(token: str, issuers: list[Issuer] | None = None) -> dict[str, Any]:
    """Verify ``token`` as API Gateway's JWT authorizer does and return its claims.

    Args:
        token: the compact JWT (no ``Bearer `` prefix).
        issuers: the trusted issuers (default :func:`issuers_from_env`).

    Raises:
        InvalidToken: any check failed (see the module docstring), or no issuer is configured.
    """
    trusted = issuers_from_env() if issuers is None else issuers
    try:
        header = jwt.get_unverified_header(token)
        unverified_iss = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError as exc:
        raise InvalidToken("the token is not a JWT") from exc
    if header.get("alg") not in ALGORITHMS:
        raise InvalidToken("the token is not signed with RS256")
    issuer = next((i for i in trusted if i.issuer == unverified_iss), None)
    if issuer is None:
        raise InvalidToken("the token has an invalid issuer")
    try:
        key = _client(issuer.jwks_url).get_signing_key_from_jwt(token)
    except jwt.PyJWKClientConnectionError as exc:
        raise InvalidToken("the issuer's keys could not be fetched") from exc
    except jwt.PyJWTError as exc:  # no kid, or a kid the issuer does not publish
        raise InvalidToken("the token was not signed by a key of its issuer") from exc
    try:
        claims = jwt.decode(token, key.key, algorithms=ALGORITHMS, issuer=issuer.issuer,
                            options={"require": ["exp", "iss"], "verify_aud": False})
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("the token has expired") from exc
    except jwt.ImmatureSignatureError as exc:
        raise InvalidToken("the token is not valid yet") from exc
    except jwt.InvalidIssuerError as exc:
        raise InvalidToken("the token has an invalid issuer") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("the token's signature or claims are invalid") from exc
    aud = claims.get("aud")
    token_audiences = list(aud) if isinstance(aud, list) else [aud] if aud else []
    if claims.get("client_id"):
        token_audiences.append(claims["client_id"])
    if not set(token_audiences) & set(issuer.audiences):
        raise InvalidToken("the token does not have a valid audience")
    return claims
