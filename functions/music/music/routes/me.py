"""``/api/me/``: the signed-in person."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from backlot.auth import Principal

from music import service
from music.deps import Person
from music.schemas import MePublic

router = APIRouter(prefix="/api")


@router.get("/me/", response_model=MePublic)
def get_me(who: Principal = Person) -> dict[str, Any]:
    """The caller: user id, role, taste vector and active session."""
    return service.me(who)
