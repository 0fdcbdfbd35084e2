"""``/api/players/``: the managers' view of players: status, token, queue, history, library."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from backlot.auth import Principal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit

from music import service
from music.deps import Person
from music.http_api import API
from music.schemas import (
    HistoryPage,
    LibraryAdd,
    LibraryAdded,
    LibraryPage,
    PlayerCreate,
    PlayerCreated,
    PlayerDetail,
    PlayerDetailWithToken,
    PlayerPage,
    PlayerUpdate,
    QueueList,
    RecommendationList,
)

router = APIRouter(prefix="/api")


@router.post("/players/", status_code=status.HTTP_201_CREATED, response_model=PlayerCreated, responses=API.errors(400, 403))
def create_player(body: PlayerCreate, who: Principal = Person) -> dict[str, Any]:
    """Returns the player with its ``id`` and, this once, its device ``token``."""
    return service.create_player(who, body)


@router.get("/players/", response_model=PlayerPage, responses=API.errors(400, 403))
def list_players(cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = Person) -> dict[str, Any]:
    """The managers' list of players with online/offline and what is playing."""
    return service.list_players(who, cursor, limit)


@router.get("/players/{player_id}/", response_model=PlayerDetail, responses=API.errors(403, 404))
def get_player(player_id: UUID, who: Principal = Person) -> dict[str, Any]:
    """The managers' page of a player: status, now playing, queue, history, listeners."""
    return service.get_player(who, player_id)


@router.patch("/players/{player_id}/", response_model=PlayerDetail, responses=API.errors(400, 403, 404))
def update_player(player_id: UUID, body: PlayerUpdate, who: Principal = Person) -> dict[str, Any]:
    """Rename; admins also assign the manager."""
    return service.update_player(who, player_id, body)


@router.post("/players/{player_id}/token/", response_model=PlayerDetailWithToken, responses=API.errors(403, 404))
def rotate_player_token(player_id: UUID, who: Principal = Person) -> dict[str, Any]:
    """A new device token, shown once; the old one stops."""
    return service.rotate_token(who, player_id)


@router.post("/players/{player_id}/revoke/", response_model=PlayerDetail, responses=API.errors(403, 404))
def revoke_player(player_id: UUID, who: Principal = Person) -> dict[str, Any]:
    """The device token stops working."""
    return service.revoke_player(who, player_id)


@router.get("/players/{player_id}/queue/", response_model=QueueList, responses=API.errors(403, 404))
def get_player_queue(player_id: UUID, who: Principal = Person) -> dict[str, Any]:
    """The player's queue, head first."""
    return service.player_queue(who, player_id)


@router.get("/players/{player_id}/history/", response_model=HistoryPage, responses=API.errors(400, 403, 404))
def list_player_history(player_id: UUID, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = Person) -> dict[str, Any]:
    """What the player played, newest first."""
    return service.player_history(who, player_id, cursor, limit)


@router.get("/players/{player_id}/recommendations/", response_model=RecommendationList, responses=API.errors(403, 404))
def list_player_recommendations(
    player_id: UUID, limit: Annotated[int, Query(ge=1, le=50)] = 10, who: Principal = Person
) -> dict[str, Any]:
    """What ``recommend_with_penalty`` picks now."""
    return service.recommendations(who, player_id, limit)


@router.get("/players/{player_id}/library/", response_model=LibraryPage, responses=API.errors(400, 403, 404))
def list_player_library(player_id: UUID, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = Person) -> dict[str, Any]:
    """The player's library."""
    return service.player_library(who, player_id, cursor, limit)


@router.post("/players/{player_id}/library/", response_model=LibraryAdded, responses=API.errors(400, 403, 404))
def add_player_library(player_id: UUID, body: LibraryAdd, who: Principal = Person) -> dict[str, Any]:
    """Add songs to the library (body ``{"song_ids"}``)."""
    return service.add_library(who, player_id, body)


@router.delete("/players/{player_id}/library/{song_id}/", status_code=status.HTTP_204_NO_CONTENT, responses=API.errors(403, 404))
def remove_player_library(player_id: UUID, song_id: UUID, who: Principal = Person) -> Response:
    """Remove a song from the library."""
    service.remove_library(who, player_id, song_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
