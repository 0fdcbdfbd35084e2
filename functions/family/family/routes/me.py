"""``/api/v1/me/``: who the caller is."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from backlot.auth import Principal
from backlot.http import CurrentPrincipal

from family.schemas import Me

router = APIRouter(prefix="/api/v1")


@router.get("/me/", response_model=Me)
def get_me(who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's user id (what others pass to add them to a household) and groups."""
    return {"user_id": who.user_id, "email": who.email, "groups": sorted(who.groups)}
