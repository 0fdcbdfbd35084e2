"""Development JWTs: the local RS256 key pair and tokens shaped like Cognito ID tokens.

The key pair lives in ``<state>/jwt/`` (``private.pem`` mode 0600, ``public.pem``), made on first use;
two processes racing to make it end up with the same key (the first file written wins).
Tokens carry ``iss`` and ``aud`` ``backlot-local`` — what the local JWT authorizer accepts in place
of the Cognito issuer and app client id the template configures.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from backlot_local import LOCAL_AUDIENCE, LOCAL_ISSUER


class InvalidToken(ValueError):
    """The token is malformed, badly signed, expired, or has the wrong issuer/audience."""


@dataclass(frozen=True)
class LocalKeys:
    """The local signing key pair; ``kid`` is the SHA-256 of the public key (first 16 hex digits)."""

    private_pem: bytes
    public_pem: bytes

    @property
    def kid(self) -> str:
        return hashlib.sha256(self.public_pem).hexdigest()[:16]


def _write_once(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}")
    tmp.write_bytes(data)
    os.chmod(tmp, mode)
    try:
        os.link(tmp, path)  # atomic create-if-absent: the first writer wins
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def load_keys(state: Path) -> LocalKeys:
    """Load the key pair from ``<state>/jwt/``, making it on first use."""
    folder = state / "jwt"
    folder.mkdir(parents=True, exist_ok=True)
    private_path, public_path = folder / "private.pem", folder / "public.pem"
    if not private_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        _write_once(private_path, pem, 0o600)
    private_pem = private_path.read_bytes()
    public_pem = (
        serialization.load_pem_private_key(private_pem, password=None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    if not public_path.exists() or public_path.read_bytes() != public_pem:
        _write_once(public_path, public_pem, 0o644)
    return LocalKeys(private_pem=private_pem, public_pem=public_pem)


JWKS_PATH = "/.well-known/backlot-local/jwks.json"
"""Where ``backlot dev`` serves the local key's JWKS (:func:`jwks`), for ``backlot.bearer``."""


def jwks(keys: LocalKeys) -> dict[str, Any]:
    """The local public key as a JWK Set (RFC 7517): ``{"keys": [{kty, n, e, kid, alg, use}]}``,
    ``kid`` as in :attr:`LocalKeys.kid`."""
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(serialization.load_pem_public_key(keys.public_pem), as_dict=True)
    return {"keys": [jwk | {"kid": keys.kid, "alg": "RS256", "use": "sig"}]}


def local_issuer(base_url: str) -> dict[str, Any]:
    """The local key as a trusted issuer for ``backlot.bearer`` (an item of ``JWT_EXTRA_ISSUERS``):
    ``iss``/``aud`` ``backlot-local`` and the JWKS served by ``backlot dev`` at ``base_url`` +
    :data:`JWKS_PATH` — so functions that verify tokens themselves accept ``backlot token``
    tokens, like the local JWT authorizer (PyJWT's key client fetches http(s) URLs only)."""
    return {"issuer": LOCAL_ISSUER, "audience": [LOCAL_AUDIENCE], "jwks_url": base_url.rstrip("/") + JWKS_PATH}


def make_token(
    keys: LocalKeys,
    user: str,
    *,
    groups: list[str] | tuple[str, ...] = (),
    email: str | None = None,
    ttl: int = 3600,
    now: int | None = None,
) -> str:
    """Sign a development ID token for ``user``.

    Claims: ``sub`` = ``user`` (the platform maps a non-UUID subject to a stable UUID 5),
    ``cognito:username``, ``cognito:groups`` (a list, only when groups are given), ``email``,
    ``token_use`` ``id``, ``iss``/``aud`` ``backlot-local``, ``iat``/``auth_time``, ``exp`` = now + ttl.
    """
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "sub": user,
        "cognito:username": user,
        "iss": LOCAL_ISSUER,
        "aud": LOCAL_AUDIENCE,
        "token_use": "id",
        "auth_time": issued,
        "iat": issued,
        "exp": issued + int(ttl),
        "jti": str(uuid.uuid4()),
    }
    if groups:
        claims["cognito:groups"] = list(groups)
    if email:
        claims["email"] = email
        claims["email_verified"] = True
    return jwt.encode(claims, keys.private_pem, algorithm="RS256", headers={"kid": keys.kid})


def verify_token(keys: LocalKeys, token: str, *, audiences: list[str] | None = None, issuer: str = LOCAL_ISSUER, leeway: int = 0) -> dict[str, Any]:
    """Verify a token as API Gateway's JWT authorizer does and return its claims.

    Checks (API Gateway developer guide, "Control access to HTTP APIs with JWT authorizers"):
    RS256 signature with the local key (``kid`` must match), ``exp``, ``nbf``/``iat`` not in the future,
    ``iss``, and ``aud`` — or ``client_id`` for access tokens — among the audiences.

    Raises:
        InvalidToken: with a short reason (used in ``www-authenticate``).
    """
    audiences = audiences or [LOCAL_AUDIENCE]
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken("the token is not a JWT") from exc
    if header.get("kid") != keys.kid:
        raise InvalidToken("the token was not signed by the local key")
    return _decode(token, keys.public_pem, issuer=issuer, audiences=audiences, leeway=leeway)


_JWKS_CLIENTS: dict[str, "jwt.PyJWKClient"] = {}


def verify_with_jwks(token: str, *, jwks_uri: str, issuer: str, audiences: list[str], leeway: int = 0) -> dict[str, Any]:
    """Verify a token of an identity provider whose keys are at ``jwks_uri`` (locally: the user pool
    the emulator made, ``<emulator>/<pool id>/.well-known/jwks.json``), as API Gateway's JWT
    authorizer does: RS256 with the key named by ``kid``, ``exp``, ``iss`` equal to ``issuer``, and
    ``aud`` (ID tokens) or ``client_id`` (access tokens) among ``audiences``.

    Raises:
        InvalidToken: with a short reason.
    """
    client = _JWKS_CLIENTS.get(jwks_uri)
    if client is None:
        client = _JWKS_CLIENTS[jwks_uri] = jwt.PyJWKClient(jwks_uri, cache_keys=True, timeout=5)
    try:
        key = client.get_signing_key_from_jwt(token)
    except jwt.PyJWTError as exc:  # not a JWT, unknown kid, keys unreachable
        raise InvalidToken(f"the token's key is not the identity provider's: {exc}") from exc
    return _decode(token, key.key, issuer=issuer, audiences=audiences, leeway=leeway)


def _decode(token: str, key: Any, *, issuer: str, audiences: list[str], leeway: int) -> dict[str, Any]:
    """The claims of ``token`` signed by ``key`` (RS256), checked as API Gateway's JWT authorizer
    does: ``exp``, ``iss`` equal to ``issuer``, and ``aud`` (ID tokens) or ``client_id`` (access
    tokens) among ``audiences``.

    Raises:
        InvalidToken: with a short reason.
    """
    try:
        claims = jwt.decode(token, key, algorithms=["RS256"], issuer=issuer, leeway=leeway,
                            options={"require": ["exp", "iss"], "verify_aud": False})
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("the token has expired") from exc
    except jwt.InvalidIssuerError as exc:
        raise InvalidToken("the token has an invalid issuer") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"the token is invalid: {exc}") from exc
    aud = claims.get("aud")
    token_audiences = aud if isinstance(aud, list) else [aud] if aud else []
    if claims.get("client_id"):
        token_audiences.append(claims["client_id"])
    if not set(token_audiences) & set(audiences):
        raise InvalidToken("the token does not have a valid audience")
    return claims
