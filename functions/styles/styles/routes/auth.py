"""Accounts (design document 004, M1-Auth-Backend): Google sign-in through the user pool, logout, me.

``/api/auth/google/login``, ``/api/auth/google/callback`` and ``/api/auth/logout`` are open
(``Auth: NONE``: the browser has no token yet, and a refresh token alone may be revoked by whoever
holds it); ``/api/auth/me`` is open at the gateway too but verifies its token in the function
(``styles.deps.VerifiedUser``), so that its 401 is the styles envelope, not the gateway's
``{"message":"Unauthorized"}``. See ``styles.users.signin`` for the flow.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Cookie, Query, Response
from fastapi.responses import RedirectResponse

from styles.deps import VerifiedUser
from styles.http_api import API, Success, ok
from styles.schemas import LoggedOut, LogoutRequest, SignInPublic, UserPublic
from styles.users.state import COOKIE, STATE_TTL_S

router = APIRouter(tags=["auth"])


@router.get("/api/auth/google/login", status_code=302, response_class=RedirectResponse,
            responses={302: {"description": "To the user pool's hosted UI, which signs in with Google."}})
def google_login() -> RedirectResponse:
    """Start a Google sign-in: a 302 to the hosted UI (``identity_provider=Google``), with the
    login's verifier in an HttpOnly cookie for the callback."""
    from styles.users import signin

    redirect = signin.login()
    response = RedirectResponse(redirect.location, status_code=302)
    response.set_cookie(COOKIE, redirect.verifier, max_age=STATE_TTL_S, path="/", secure=True, httponly=True,
                        samesite="lax")
    return response


@router.get("/api/auth/google/callback", response_model=Success[SignInPublic], responses=API.errors(400, 502))
def google_callback(
    response: Response,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    state: Annotated[str | None, Query(max_length=2048)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    error_description: Annotated[str | None, Query(max_length=2048)] = None,
    styles_oauth: Annotated[str | None, Cookie(max_length=200)] = None,
) -> dict:
    """Finish the sign-in the hosted UI sends back: check ``state``, exchange ``code``, make the
    user on first sight with the 100 welcome tokens (once), answer the user and the tokens."""
    from styles.users import signin

    response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return ok(signin.callback(code=code, state_value=state, verifier=styles_oauth, error=error,
                              error_description=error_description))


@router.post("/api/auth/logout", response_model=Success[LoggedOut], responses=API.errors(400, 502))
def logout(body: Annotated[LogoutRequest | None, Body()] = None) -> dict:
    """Sign out: revoke the refresh token (RFC 7009), which also ends the access tokens it issued.
    Idempotent: an already revoked token is fine."""
    from styles.users import signin

    signin.logout(refresh_token=body.refresh_token if body else None)
    return ok({"logged_out": True})


@router.get("/api/auth/me", response_model=Success[UserPublic], responses=API.errors(401))
def get_me(user: VerifiedUser) -> dict:
    """The signed-in user: role, token balance, profile image, artist profile. A user first seen
    here (any platform token) is made with the welcome tokens."""
    from styles.deps import identity_of
    from styles.users import service

    return ok(service.me(identity_of(user)))
