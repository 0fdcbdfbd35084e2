"""``/api/social/challenges/``: challenges, join, leave, progress and the leaderboard (document
001 "Social App"; issue 11 item 7).
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
from wellness.schemas.social import ChallengeCreate, ChallengePage, ChallengePublic, Leaderboard
from wellness.social import challenges

router = APIRouter(prefix="/api/social")


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
