"""``/api/social/friends/``: friend connections: request, accept, decline, block, remove
(document 001 "Social App"; issue 11 item 7).
Each route is its own function (``wellness.handlers``); the social routes are one module per
resource, so a function imports (and FastAPI builds) only its resource's routes."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi import status as http

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit, links

from wellness.http_api import API
from wellness.schemas.social import ConnectionPage, ConnectionPublic, ConnectionStatus, FriendRequest
from wellness.social import friends

router = APIRouter(prefix="/api/social")


@router.get("/friends/", response_model=ConnectionPage, responses=API.errors(400, 401))
def list_friends(request: Request, status: ConnectionStatus | None = None, cursor: Cursor = None,
                 limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's friend connections (oldest first), each with the other user, status and direction."""
    items, nxt, prev = friends.list_connections(who, status.value if status else None, cursor, limit)
    return {**links(request, nxt, prev), "results": items}


@router.post("/friends/", status_code=http.HTTP_201_CREATED, response_model=ConnectionPublic,
             responses={200: {"model": ConnectionPublic, "description": "the pair's existing connection (a duplicate, or a crossed request now accepted)"},
                        **API.errors(400, 401, 404, 409, 429)})
def request_friend(body: FriendRequest, response: Response, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Ask another user (by user id) to be friends: 201 pending; 200 when the pair already had a
    connection; 429 (``Retry-After``) past the caller's requests per hour or day."""
    row, created = friends.request_friend(who, body.user_id)
    if not created:
        response.status_code = http.HTTP_200_OK
    return row


@router.get("/friends/{connection_id}/", response_model=ConnectionPublic, responses=API.errors(401, 404))
def get_friend(connection_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """One connection of the caller."""
    return friends.get(who, connection_id)


@router.post("/friends/{connection_id}/accept/", response_model=ConnectionPublic, responses=API.errors(401, 403, 404, 409))
def accept_friend(connection_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Accept a request made to the caller."""
    return friends.respond(who, connection_id, accept=True)


@router.post("/friends/{connection_id}/decline/", response_model=ConnectionPublic, responses=API.errors(401, 403, 404, 409))
def decline_friend(connection_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Decline a request made to the caller (the requester sees ``declined``)."""
    return friends.respond(who, connection_id, accept=False)


@router.post("/friends/{connection_id}/block/", response_model=ConnectionPublic, responses=API.errors(401, 404))
def block_friend(connection_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Block the other user: no further requests from them; they no longer see the connection."""
    return friends.block(who, connection_id)


@router.delete("/friends/{connection_id}/", status_code=http.HTTP_204_NO_CONTENT, responses=API.errors(401, 404))
def remove_friend(connection_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    """Remove the connection (either side); the blocker removing it unblocks."""
    friends.remove(who, connection_id)
    return Response(status_code=http.HTTP_204_NO_CONTENT)
