"""``/api/accounts/``: registration, login, the caller (``users/me/``), its profile, statistics,
password change and account deletion (document 001, Accounts App; issue 10 item 2)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from backlot.auth import Principal
from backlot.http import CurrentPrincipal

from wellness.http_api import API
from wellness.schemas.accounts import UserPublic
from wellness.services import accounts as service

router = APIRouter(prefix="/api/accounts")


@router.get("/users/me/", response_model=UserPublic, responses=API.errors(401))
def get_me(who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller and its profile (made on first use, time zone ``UTC`` until set)."""
    return service.me(who)
