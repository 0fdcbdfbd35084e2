"""``/api/social/``: friend connections, friend visits and challenges (document 001 "Social App";
issue 11 item 7). Each route is its own function (``wellness.handlers``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi import status as http

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit, links

from wellness.http_api import API
from wellness.schemas.social import (
    BlockCreate, BlockPage, BlockPublic, ChallengeCreate, ChallengePage, ChallengePublic, ConnectionPage, ConnectionPublic, ConnectionStatus,
    FriendRequest, Leaderboard, VisitAccept, VisitCreate, VisitPage, VisitPublic, VisitStatus,
)
from wellness.social import blocks, challenges, friends, visits

router = APIRouter(prefix="/api/social")


# ---------------------------------------------------------------- friends


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


# ---------------------------------------------------------------- visits


@router.get("/visits/", response_model=VisitPage, responses=API.errors(400, 401))
def list_visits(request: Request, status: VisitStatus | None = None, cursor: Cursor = None,
                limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's visits as host or guest, newest first; ``status`` (``expired``: past ``ends_at``)."""
    items, nxt, prev = visits.list_visits(who, status.value if status else None, cursor, limit)
    return {**links(request, nxt, prev), "results": items}


@router.post("/visits/", status_code=http.HTTP_201_CREATED, response_model=VisitPublic, responses=API.errors(400, 401, 429))
def create_visit(body: VisitCreate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Invite a friend's device to a visit from one of the caller's devices until ``ends_at``; 429
    (``Retry-After``) past the caller's proposals per hour or day."""
    return visits.create(who, body)


@router.post("/visits/{visit_id}/accept/", response_model=VisitPublic, responses=API.errors(400, 401, 403, 404, 409))
def accept_visit(visit_id: UUID, body: VisitAccept, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The invited friend agrees with one of their devices: the visit is active until ``ends_at``."""
    return visits.accept(who, visit_id, body.device_id)


@router.post("/visits/{visit_id}/end/", response_model=VisitPublic, responses=API.errors(401, 404))
def end_visit(visit_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Either user ends the visit now (or withdraws / declines a pending one)."""
    return visits.end(who, visit_id)


# ---------------------------------------------------------------- challenges


@router.get("/challenges/", response_model=ChallengePage, responses=API.errors(400, 401))
def list_challenges(request: Request, joined: bool | None = None, cursor: Cursor = None,
                    limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Challenges the caller created or joined, or a friend created; newest first; ``joined`` filters."""
    items, nxt, prev = challenges.list_challenges(who, joined, cursor, limit)
    return {**links(request, nxt, prev), "results": items}


@router.post("/challenges/", status_code=http.HTTP_201_CREATED, response_model=ChallengePublic, responses=API.errors(400, 401))
def create_challenge(body: ChallengeCreate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """A new challenge; the creator takes part, their friends may join."""
    return challenges.create(who, body)


@router.get("/challenges/{challenge_id}/", response_model=ChallengePublic, responses=API.errors(401, 404))
def get_challenge(challenge_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """One challenge, with the caller's own progress when they take part."""
    return challenges.get(who, challenge_id)


@router.post("/challenges/{challenge_id}/join/", response_model=ChallengePublic, responses=API.errors(401, 404, 409))
def join_challenge(challenge_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Take part (until it is finished); joining again changes nothing."""
    return challenges.join(who, challenge_id)


@router.post("/challenges/{challenge_id}/leave/", status_code=http.HTTP_204_NO_CONTENT, responses=API.errors(401, 404, 409))
def leave_challenge(challenge_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    """Stop taking part (not in a finished challenge); 204 also when the caller was not in it."""
    challenges.leave(who, challenge_id)
    return Response(status_code=http.HTTP_204_NO_CONTENT)


@router.get("/challenges/{challenge_id}/leaderboard/", response_model=Leaderboard, responses=API.errors(401, 403, 404))
def challenge_leaderboard(challenge_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Participants ranked by days meeting the rule: progress only, never their usage."""
    return challenges.leaderboard(who, challenge_id)


# ---------------------------------------------------------------- blocks


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
