"""``/api/sessions/``: listeners check in at a player and out again."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from backlot.auth import Principal

from music import service
from music.deps import Person
from music.http_api import API
from music.schemas import CheckIn, CurrentSessionPublic, SessionPublic

router = APIRouter(prefix="/api")


@router.post("/sessions/", status_code=status.HTTP_201_CREATED, response_model=SessionPublic,
             responses={200: {"model": SessionPublic, "description": "checked in there already: the session is extended"}}
             | API.errors(404))
def check_in(body: CheckIn, response: Response, who: Principal = Person) -> dict[str, Any]:
    """Check in at a player (body ``{"player_id"}``); 200 when extended."""
    session, created = service.check_in(who, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return session


@router.get("/sessions/current/", response_model=CurrentSessionPublic, responses=API.errors(404))
def get_session(who: Principal = Person) -> dict[str, Any]:
    """The caller's session and what plays there."""
    return service.current_session(who)


@router.delete("/sessions/current/", status_code=status.HTTP_204_NO_CONTENT, responses=API.errors(404))
def check_out(who: Principal = Person) -> Response:
    """End the caller's session."""
    service.check_out(who)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
