"""``/api/social/blocks/``: blocks without a connection, the same block whichever route made it
(issue 11 item 7).
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
from wellness.schemas.social import BlockCreate, BlockPage, BlockPublic
from wellness.social import blocks

router = APIRouter(prefix="/api/social")


@router.get("/blocks/", response_model=BlockPage, responses=API.errors(400, 401))
def list_blocks(request: Request, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT,
                who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The users the caller blocks, oldest block first."""
    items, nxt, prev = blocks.list_blocks(who, cursor, limit)
    return {**links(request, nxt, prev), "results": items}


@router.post("/blocks/", status_code=http.HTTP_201_CREATED, response_model=BlockPublic,
             responses={200: {"model": BlockPublic, "description": "the caller already blocked this user (one block)"},
                        **API.errors(400, 401, 404)})
def block_user(body: BlockCreate, response: Response, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Block a user, friend or not: ends any friendship, request and visit between the two; they
    can no longer ask, nor see the caller on a leaderboard. 201; 200 when already blocked."""
    row, created = blocks.block(who, body.user_id)
    if not created:
        response.status_code = http.HTTP_200_OK
    return row


@router.delete("/blocks/{user_id}/", status_code=http.HTTP_204_NO_CONTENT, responses=API.errors(401))
def unblock_user(user_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    """Remove the caller's block of ``user_id`` (204 also when there was none)."""
    blocks.unblock(who, user_id)
    return Response(status_code=http.HTTP_204_NO_CONTENT)
