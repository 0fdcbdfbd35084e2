"""Signing in with Google through the user pool (design document 004, M1-Auth-Backend; issue 12
item 2): the login redirect, the callback, logout.

1. ``GET /api/auth/google/login``: a 302 to the hosted UI's ``/oauth2/authorize`` with
   ``identity_provider=Google`` (straight to Google, no pool sign-in page), ``response_type=code``,
   the app client, the callback URL, the scopes, a signed ``state`` and a PKCE S256 challenge; the
   verifier goes into an HttpOnly cookie (``styles.users.state``).
2. ``GET /api/auth/google/callback?code&state``: the state is checked against the cookie, the
   code exchanged at the token endpoint (with the verifier), the user made on first sight with the
   welcome tokens, granted exactly once (``styles.users.service``), and the tokens answered. No
   HTTP call runs inside a database transaction.
3. ``POST /api/auth/logout``: the refresh token is revoked (RFC 7009; idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from backlot import db
from backlot.auth import Principal, ensure_user, user_id_for_subject

from styles.errors import OAuthFailed
from styles.settings import get_settings
from styles.users import cognito, repository, service, state


@dataclass(frozen=True)
class Redirect:
    """Where to send the browser, and the verifier for its cookie."""

    location: str
    verifier: str


def login() -> Redirect:
    """The hosted UI URL for a Google sign-in and this login's cookie value."""
    settings = get_settings()
    with db.transaction() as conn:
        key = state.signing_key(conn)
    started = state.new_login(key)
    query = urlencode({
        "identity_provider": settings.oauth_identity_provider,
        "response_type": "code",
        "client_id": settings.user_pool_client_id,
        "redirect_uri": settings.oauth_callback_url,
        "scope": settings.oauth_scopes,
        "state": started.state,
        "code_challenge": started.challenge,
        "code_challenge_method": "S256",
    })
    return Redirect(location=f"{settings.authorize_url}?{query}", verifier=started.verifier)


def callback(*, code: str | None, state_value: str | None, verifier: str | None, error: str | None = None,
             error_description: str | None = None) -> dict[str, Any]:
    """Finish a sign-in: ``{"user", "tokens", "is_new_user"}``.

    Raises:
        InvalidState: (400) the state is missing, forged, expired or another browser's.
        OAuthFailed: (400) the provider answered an error (the user cancelled) or refused the code.
        OAuthUnavailable: (502) the token endpoint did not answer usefully.
    """
    settings = get_settings()
    with db.transaction() as conn:
        key = state.signing_key(conn)
    state.check(key, state=state_value, verifier=verifier)
    if error:
        raise OAuthFailed(f"sign-in failed: {error}" + (f" ({error_description})" if error_description else ""))
    if not code:
        raise OAuthFailed("sign-in failed: the callback carries no code")
    tokens = cognito.exchange_code(token_url=settings.token_url, client_id=settings.user_pool_client_id, code=code,
                                   redirect_uri=settings.oauth_callback_url, code_verifier=verifier or "",
                                   timeout_s=settings.oauth_timeout_s)
    claims = cognito.id_token_claims(tokens["id_token"])
    identity = _identity(claims)
    ensure_user(Principal(user_id=identity.user_id, email=identity.email))
    with db.transaction() as conn:
        granted = service.ensure_user_in(conn, identity)
        user = repository.get_user(conn, user_id=identity.user_id)
    return {"user": service.public(user), "tokens": tokens, "is_new_user": granted}


def logout(*, refresh_token: str | None) -> None:
    """Revoke ``refresh_token`` if given (nothing else holds a session: tokens live with the client).

    Raises:
        OAuthFailed: (400) the revoke endpoint refused the request.
        OAuthUnavailable: (502) it did not answer usefully; retrying is safe.
    """
    if not refresh_token:
        return
    settings = get_settings()
    cognito.revoke(revoke_url=settings.revoke_url, client_id=settings.user_pool_client_id, token=refresh_token,
                   timeout_s=settings.oauth_timeout_s)


def _identity(claims: dict[str, Any]) -> service.Identity:
    """The styles identity in a Cognito ID token: ``sub`` (the platform user id), ``email``, ``name``,
    ``picture`` (mapped from Google by the identity provider's ``AttributeMapping``) and the Google
    account id from ``identities`` (Cognito's list of linked provider identities)."""
    identities = claims.get("identities") or []
    if isinstance(identities, str):
        import json

        try:
            identities = json.loads(identities)
        except ValueError:
            identities = []
    linked = next((i for i in identities if isinstance(i, dict) and str(i.get("providerName", "")).lower() == "google"), None)
    name = claims.get("name") or " ".join(p for p in (claims.get("given_name"), claims.get("family_name")) if p) or None
    return service.Identity(
        user_id=user_id_for_subject(str(claims["sub"])),
        email=claims.get("email"),
        display_name=name,
        profile_image_url=claims.get("picture"),
        provider="google" if linked else None,
        provider_user_id=str(linked["userId"]) if linked and linked.get("userId") else None,
        role=service.role_of(frozenset(claims.get("cognito:groups") or [])),
    )
