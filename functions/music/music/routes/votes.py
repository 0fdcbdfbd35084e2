"""``/api/votes/``: listeners vote on songs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from backlot.auth import Principal

from music import service
from music.deps import Person
from music.http_api import API
from music.schemas import VoteCreate, VotePublic

router = APIRouter(prefix="/api")


@router.post("/votes/", status_code=status.HTTP_201_CREATED, response_model=VotePublic, 
             responses=API.errors(403, 404, 409) | {429: {
                 "model": API.problem, "description": "voting too fast (`voting_too_fast`); retry after `Retry-After` seconds",
                 "headers": {"Retry-After": {"description": "seconds to wait (RFC 9110 section 10.2.3)",
                                             "schema": {"type": "integer", "minimum": 1}}}}})
def vote(body: VoteCreate, who: Principal = Person) -> dict[str, Any]:
    """Vote 1..5 on a song (body ``{"song_id", "vote_value"}``); needs an active session."""
    return service.vote(who, body)
