"""``/api/player/``: the physical players, identified by their device token (the Lambda REQUEST
authorizer puts the player id in the event); these routes never take a player id from the request."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request

from backlot.errors import BadRequest

from music import service
from music.deps import Player
from music.errors import Code
from music.http_api import API
from music.schemas import PlayedReport, PlayedResult, PlayerReportedStatus, Poll

router = APIRouter(prefix="/api/player")


@router.get("/poll", response_model=Poll, responses=API.errors(400))
def player_poll(
    request: Request,
    status_: Annotated[PlayerReportedStatus, Query(alias="status")] = PlayerReportedStatus.online,
    me: UUID = Player,
) -> dict[str, Any]:
    """What to play now and next (presigned URLs), and the heartbeat. ``status`` is what the player
    is doing: ``playing``, ``idle`` or just ``online``. A player only ever polls its own queue: any
    other query parameter (``player_id=...``) is refused rather than ignored."""
    extra = sorted(set(request.query_params) - {"status"})
    if extra:
        raise BadRequest(
            f"unknown query parameter(s): {', '.join(extra)}; a player polls its own queue, named by its token",
            code=Code.unknown_parameter, fields=[{"field": name, "message": "not accepted"} for name in extra],
        )
    return service.poll(me, status_.value)


@router.post("/played", response_model=PlayedResult, responses=API.errors(400, 404, 409))
def player_played(body: PlayedReport, me: UUID = Player) -> dict[str, Any]:
    """The player reports a song played: history written, queue advanced."""
    return service.played(me, body)
