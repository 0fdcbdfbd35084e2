"""The user pool's OAuth 2.0 endpoints (Amazon Cognito developer guide, "Token endpoint" and
"Revoke endpoint"), called with urllib3: exchanging the sign-in's code for tokens and revoking a
refresh token. The app client is public (no secret), so requests carry ``client_id`` in the form.

Errors: a 400 from the endpoint (RFC 6749 section 5.2: ``invalid_grant``, ``invalid_client``, ...)
is the provider refusing (:class:`styles.errors.OAuthFailed`); anything else that is not a 200 (no
answer, a 5xx, a body that is not the expected JSON) is :class:`styles.errors.OAuthUnavailable`.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import urllib3

from styles.errors import OAuthFailed, OAuthUnavailable

_http = urllib3.PoolManager(retries=False)

TOKEN_FIELDS = ("id_token", "access_token", "refresh_token", "expires_in", "token_type")
"""What Cognito's token endpoint answers for ``authorization_code`` (all five)."""


def _post(url: str, form: dict[str, str], timeout_s: float) -> urllib3.BaseHTTPResponse:
    try:
        return _http.request("POST", url, fields=form, encode_multipart=False, timeout=urllib3.Timeout(total=timeout_s),
                             headers={"Accept": "application/json"})
    except urllib3.exceptions.HTTPError as exc:
        raise OAuthUnavailable(f"the sign-in service did not answer: {type(exc).__name__}") from exc


def _error_of(response: urllib3.BaseHTTPResponse) -> str:
    try:
        return str(json.loads(response.data or b"{}").get("error") or "error")
    except ValueError:
        return "error"


def exchange_code(*, token_url: str, client_id: str, code: str, redirect_uri: str, code_verifier: str,
                  timeout_s: float) -> dict[str, Any]:
    """``grant_type=authorization_code`` at the token endpoint; the five token fields.

    Raises:
        OAuthFailed: (400) the endpoint refused the code (used, expired, wrong verifier or redirect).
        OAuthUnavailable: (502) no usable answer.
    """
    response = _post(token_url, {"grant_type": "authorization_code", "client_id": client_id, "code": code,
                                 "redirect_uri": redirect_uri, "code_verifier": code_verifier}, timeout_s)
    if response.status == 400:
        raise OAuthFailed(f"the sign-in code was refused ({_error_of(response)}): start again at /api/auth/google/login")
    if response.status != 200:
        raise OAuthUnavailable(f"the sign-in service answered {response.status}")
    try:
        body = json.loads(response.data)
        return {name: body[name] for name in TOKEN_FIELDS}
    except (ValueError, KeyError, TypeError) as exc:
        raise OAuthUnavailable("the sign-in service answered without tokens") from exc


def revoke(*, revoke_url: str, client_id: str, token: str, timeout_s: float) -> None:
    """Revoke a refresh token (and the access tokens it issued). Revoking a token that is already
    revoked, expired or unknown succeeds (RFC 7009 section 2.2), so logout is idempotent.

    Raises:
        OAuthFailed: (400) the endpoint refused the request itself (``invalid_client``, ...).
        OAuthUnavailable: (502) no usable answer.
    """
    response = _post(revoke_url, {"token": token, "client_id": client_id}, timeout_s)
    if response.status == 400:
        raise OAuthFailed(f"logout was refused ({_error_of(response)})")
    if response.status != 200:
        raise OAuthUnavailable(f"the sign-in service answered {response.status}")


def id_token_claims(id_token: str) -> dict[str, Any]:
    """The claims of an ID token received from the token endpoint.

    The signature is not checked: OpenID Connect Core 1.0 section 3.1.3.7 lets a client rely on
    TLS server validation instead for an ID token it received directly from the token endpoint,
    which is where this one came from.

    Raises:
        OAuthUnavailable: the token is not a JWT with a ``sub``.
    """
    try:
        payload = id_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        if not claims.get("sub"):
            raise ValueError("no sub")
        return claims
    except (IndexError, ValueError, TypeError, AttributeError) as exc:
        raise OAuthUnavailable("the sign-in service answered an unreadable ID token") from exc
