"""``/api/accounts/``: registration, login, the caller (``users/me/``), its profile, its counts
(``users/stats/``), password change and account deletion (document 001, Accounts App; issue 10
item 2). Registration and login are public (no authorizer on their routes); everything else
takes the bearer token. Accounts are the platform's Cognito users: the token from login works for
every product."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response, status

from backlot.auth import Principal
from backlot.http import CurrentPrincipal

from wellness.http_api import API
from wellness.schemas.accounts import (
    AccountDeleted,
    Login,
    PasswordChange,
    ProfilePublic,
    ProfileUpdate,
    Registered,
    Registration,
    TokenPair,
    TokenRefresh,
    UserPublic,
    UserStats,
)
from wellness.services import accounts as service

router = APIRouter(prefix="/api/accounts")


@router.post("/users/", status_code=status.HTTP_201_CREATED, response_model=Registered,
             responses={200: {"model": Registered, "description": "the account exists with this password (a retried registration)"}}
             | API.errors(400, 429, 503))
def register_user(body: Registration, response: Response) -> dict[str, Any]:
    """Register: a Cognito user (e-mail as user name, confirmed at once) and its wellness profile.
    400 ``{"email": [...]}`` when the e-mail is taken, ``{"password": [...]}`` when the pool's
    password policy refuses it, ``{"time_zone": [...]}`` for a name that is not IANA."""
    account, created = service.register(body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return account


@router.post("/login/", response_model=TokenPair, responses=API.errors(400, 429, 503))
def log_in(body: Login) -> dict[str, Any]:
    """Log in: Cognito's ID, access and refresh tokens. Send ``id_token`` as
    ``Authorization: Bearer ...`` to every product. A wrong e-mail or password is DRF's 400
    ``{"non_field_errors": ["Unable to log in with provided credentials."]}``."""
    return service.log_in(body)


@router.post("/token/refresh/", response_model=TokenPair, responses=API.errors(400, 429, 503))
def refresh_tokens(body: TokenRefresh) -> dict[str, Any]:
    """New ``id_token`` and ``access_token`` from the login's ``refresh_token`` (public; Cognito's
    ``REFRESH_TOKEN_AUTH``). 400 ``{"refresh_token": ["Token is invalid or expired."]}``."""
    return service.refresh_tokens(body)


@router.get("/users/me/", response_model=UserPublic, responses=API.errors(401))
def get_me(who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller and its profile (made on first use, time zone ``UTC`` until set)."""
    return service.me(who)


@router.delete("/users/me/", response_model=AccountDeleted, responses=API.errors(401, 429, 503))
def delete_me(delete_login: bool = Query(default=False, description="also delete the Cognito user: ends sign-in for every product"),
              who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Delete everything the wellness product holds about the caller (profile, devices, apps on
    them, relationships, usage, patterns, goals, statistics); ``delete_login=true`` deletes the
    login too. Answers the rows deleted per table; a retry answers zeros."""
    return service.delete_account(who, delete_login=delete_login)


@router.get("/users/stats/", response_model=UserStats, responses=API.errors(401))
def get_user_stats(who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Counts of the caller's devices, apps, favourites, relationships and days of usage."""
    return service.stats(who)


@router.post("/users/change_password/", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
             responses=API.errors(400, 401, 429, 503))
def change_password(body: PasswordChange, who: Principal = CurrentPrincipal) -> Response:
    """Change the caller's password: 400 ``{"old_password": ["Wrong password."]}`` or
    ``{"new_password": [...]}`` (the pool's policy). Existing tokens stay valid until they expire."""
    service.change_password(who, body)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/profile/", response_model=ProfilePublic, responses=API.errors(401))
def get_profile(who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's profile (time zone, conversation preferences)."""
    return service.profile(who)


@router.patch("/profile/", response_model=ProfilePublic, responses=API.errors(400, 401))
def update_profile(body: ProfileUpdate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Change the profile fields sent; ``time_zone`` must be an IANA name (400 naming it)."""
    return service.update_profile(who, body)
