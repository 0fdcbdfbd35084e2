"""HTTP routes of the music product, under ``/music``.

Document 002 gives tables, not endpoints; the paths follow issue 3's interface
(``/api/players/``, ``/api/player/poll``, ``/api/player/played``, ``/api/sessions/``,
``/api/votes/``) and the same style for the rest. Two kinds of caller:

* people (JWT authorizer): listeners, managers and admins — :data:`router`;
* physical players (the Lambda REQUEST authorizer, device token) — :data:`player_router`; the
  authorizer's context names the player, and these routes never take a player id from the request.

Handlers are thin: parse and validate, call one service function, shape the response.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status

from backlot.auth import Principal
from backlot.errors import BadRequest, Unauthorized
from backlot.http import principal
from backlot.pagination import DEFAULT_LIMIT, MAX_LIMIT

from music import service
from music.schemas import (
    CheckIn,
    LibraryAdd,
    PlayedReport,
    PlayerCreate,
    PlayerReportedStatus,
    PlayerUpdate,
    RoleSet,
    SongCreate,
    SongUpdate,
    SongUploadRequest,
    VoteCreate,
)

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=200)]


def person(request: Request) -> Principal:
    """FastAPI dependency: the signed-in person, with a music profile.

    Raises:
        Unauthorized: no verified JWT subject (e.g. a player token sent to a people's route).
    """
    who = principal(request)
    service.ensure_profile(who)
    return who


def player_id(request: Request) -> UUID:
    """FastAPI dependency: the player the Lambda authorizer identified (``context.player_id``).

    Raises:
        Unauthorized: the event carries no authorizer context (never the case behind API Gateway).
    """
    event = request.scope.get("aws.event") or {}
    context = ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda") or {}
    try:
        return UUID(str(context["player_id"]))
    except (KeyError, ValueError) as exc:
        raise Unauthorized("a player token is required", code="player_token_required") from exc


Person = Depends(person)
Player = Depends(player_id)

router = APIRouter(prefix="/api")
player_router = APIRouter(prefix="/api/player")


# ---------------------------------------------------------------- me and roles
@router.get("/me/")
def me(who: Principal = Person) -> dict[str, Any]:
    """The caller: user id, role, taste vector and active session."""
    return service.me(who)


@router.get("/roles/")
def list_roles(cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = Person) -> dict[str, Any]:
    """Admins: the roles, oldest grant first, keyset-paged (``next_cursor``)."""
    return service.list_roles(who, cursor, limit)


@router.put("/roles/{user_id}/")
def set_role(user_id: UUID, body: RoleSet, who: Principal = Person) -> dict[str, Any]:
    """Admins: give a user the admin or manager role (body ``{"role"}``)."""
    return service.set_role(who, user_id, body.role.value)


@router.delete("/roles/{user_id}/", status_code=status.HTTP_204_NO_CONTENT)
def delete_role(user_id: UUID, who: Principal = Person) -> Response:
    """Admins: take a user's role away."""
    service.delete_role(who, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- songs
@router.post("/songs/", status_code=status.HTTP_201_CREATED)
def create_song(body: SongCreate, who: Principal = Person) -> dict[str, Any]:
    """Managers and admins: a song (audio comes by upload)."""
    return service.create_song(who, body)


@router.get("/songs/")
def list_songs(
    status_: Annotated[str | None, Query(alias="status", pattern="^(awaiting_upload|processing|ready|rejected)$")] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
    who: Principal = Person,
) -> dict[str, Any]:
    """Songs, newest first (listeners: ready ones), keyset-paged."""
    return service.list_songs(who, status_, cursor, limit)


@router.post("/songs/import/", status_code=status.HTTP_200_OK)
async def import_songs(request: Request, who: Principal = Person) -> dict[str, Any]:
    """Body: a features CSV (``text/csv``), see ``music.domain.features``."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("the CSV must be UTF-8", code="invalid_csv") from exc
    return service.import_features(who, text)


@router.get("/songs/{song_id}/")
def get_song(song_id: UUID, who: Principal = Person) -> dict[str, Any]:
    """One song."""
    return service.get_song(who, song_id)


@router.patch("/songs/{song_id}/")
def update_song(song_id: UUID, body: SongUpdate, who: Principal = Person) -> dict[str, Any]:
    """Managers and admins: change a song."""
    return service.update_song(who, song_id, body)


@router.post("/songs/{song_id}/upload/", status_code=status.HTTP_201_CREATED)
def request_song_upload(song_id: UUID, body: SongUploadRequest, who: Principal = Person) -> dict[str, Any]:
    """Managers and admins: a presigned POST for the song's audio."""
    return service.request_upload(who, song_id, body)


# ---------------------------------------------------------------- players (managers' view)
@router.post("/players/", status_code=status.HTTP_201_CREATED)
def create_player(body: PlayerCreate, who: Principal = Person) -> dict[str, Any]:
    """Returns the player with its ``id`` and, this once, its device ``token``."""
    return service.create_player(who, body)


@router.get("/players/")
def list_players(cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = Person) -> dict[str, Any]:
    """The managers' list of players with online/offline and what is playing."""
    return service.list_players(who, cursor, limit)


@router.get("/players/{player_id}/")
def get_player(player_id: UUID, who: Principal = Person) -> dict[str, Any]:
    """The managers' page of a player: status, now playing, queue, history, listeners."""
    return service.get_player(who, player_id)


@router.patch("/players/{player_id}/")
def update_player(player_id: UUID, body: PlayerUpdate, who: Principal = Person) -> dict[str, Any]:
    """Rename; admins also assign the manager."""
    return service.update_player(who, player_id, body)


@router.post("/players/{player_id}/token/")
def rotate_player_token(player_id: UUID, who: Principal = Person) -> dict[str, Any]:
    """A new device token, shown once; the old one stops."""
    return service.rotate_token(who, player_id)


@router.post("/players/{player_id}/revoke/")
def revoke_player(player_id: UUID, who: Principal = Person) -> dict[str, Any]:
    """The device token stops working."""
    return service.revoke_player(who, player_id)


@router.get("/players/{player_id}/queue/")
def get_player_queue(player_id: UUID, who: Principal = Person) -> dict[str, Any]:
    """The player's queue, head first."""
    return service.player_queue(who, player_id)


@router.get("/players/{player_id}/history/")
def list_player_history(player_id: UUID, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = Person) -> dict[str, Any]:
    """What the player played, newest first."""
    return service.player_history(who, player_id, cursor, limit)


@router.get("/players/{player_id}/recommendations/")
def list_player_recommendations(
    player_id: UUID, limit: Annotated[int, Query(ge=1, le=50)] = 10, who: Principal = Person
) -> dict[str, Any]:
    """What ``recommend_with_penalty`` picks now."""
    return service.recommendations(who, player_id, limit)


@router.get("/players/{player_id}/library/")
def list_player_library(player_id: UUID, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = Person) -> dict[str, Any]:
    """The player's library."""
    return service.player_library(who, player_id, cursor, limit)


@router.post("/players/{player_id}/library/")
def add_player_library(player_id: UUID, body: LibraryAdd, who: Principal = Person) -> dict[str, Any]:
    """Add songs to the library (body ``{"song_ids"}``)."""
    return service.add_library(who, player_id, body)


@router.delete("/players/{player_id}/library/{song_id}/", status_code=status.HTTP_204_NO_CONTENT)
def remove_player_library(player_id: UUID, song_id: UUID, who: Principal = Person) -> Response:
    """Remove a song from the library."""
    service.remove_library(who, player_id, song_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- listeners
@router.post("/sessions/", status_code=status.HTTP_201_CREATED)
def check_in(body: CheckIn, response: Response, who: Principal = Person) -> dict[str, Any]:
    """Check in at a player (body ``{"player_id"}``); 200 when extended."""
    session, created = service.check_in(who, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return session


@router.get("/sessions/current/")
def get_current_session(who: Principal = Person) -> dict[str, Any]:
    """The caller's session and what plays there."""
    return service.current_session(who)


@router.delete("/sessions/current/", status_code=status.HTTP_204_NO_CONTENT)
def check_out(who: Principal = Person) -> Response:
    """End the caller's session."""
    service.check_out(who)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/votes/", status_code=status.HTTP_201_CREATED)
def vote(body: VoteCreate, who: Principal = Person) -> dict[str, Any]:
    """Vote 1..5 on a song (body ``{"song_id", "vote_value"}``); needs an active session."""
    return service.vote(who, body)


# ---------------------------------------------------------------- players (device token)
@player_router.get("/poll")
def poll(
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
            code="unknown_parameter", fields=[{"field": name, "message": "not accepted"} for name in extra],
        )
    return service.poll(me, status_.value)


@player_router.post("/played")
def played(body: PlayedReport, me: UUID = Player) -> dict[str, Any]:
    """The player reports a song played: history written, queue advanced."""
    return service.played(me, body)
