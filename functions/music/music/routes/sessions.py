"""``/api/sessions/``: listeners check in at a player and out again."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from backlot.auth import Principal

from music import service
from music.deps import Person
from music.schemas import CheckIn

router = APIRouter(prefix="/api")


@router.post("/sessions/", status_code=status.HTTP_201_CREATED)
def check_in(body: CheckIn, response: Response, who: Principal = Person) -> dict[str, Any]:
    """Check in at a player (body ``{"player_id"}``); 200 when extended."""
    session, created = service.check_in(who, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return session


@router.get("/sessions/current/")
def get_session(who: Principal = Person) -> dict[str, Any]:
    """The caller's session and what plays there."""
    return service.current_session(who)


@router.delete("/sessions/current/", status_code=status.HTTP_204_NO_CONTENT)
def check_out(who: Principal = Person) -> Response:
    """End the caller's session."""
    service.check_out(who)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
