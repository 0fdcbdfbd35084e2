"""``/api/venues/``: how listeners find the player of the venue they are in (issue 9 item 6).

Each player shows a venue code (its poll answer carries it; managers see it too). A listener
types it in, gets the player's id, and checks in (``POST /api/sessions/``). There is no public
list of players: a list would tell every signed-in user every venue's name and let them check in
and vote at a venue they are not in; a code must be read in the room (README, "Finding a venue").
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path

from backlot.auth import Principal

from music import service
from music.deps import Person
from music.http_api import API
from music.schemas import VenueCodeRotated, VenuePublic

router = APIRouter(prefix="/api")


@router.get(
    "/venues/{code}/",
    response_model=VenuePublic,
    responses=API.errors(404),
)
def find_venue(code: Annotated[str, Path(min_length=1, max_length=20)], who: Principal = Person) -> VenuePublic:
    """The player showing venue code ``code`` (case and dashes ignored): its ``player_id`` (to
    check in with), name, whether it is online, and what it plays now."""
    return VenuePublic.model_validate(service.find_venue(who, code))


@router.post(
    "/players/{player_id}/venue-code/",
    response_model=VenueCodeRotated,
    responses=API.errors(403, 404),
)
def rotate_venue_code(player_id: UUID, who: Principal = Person) -> VenueCodeRotated:
    """Give the player a new venue code (managers of the player, admins); the old code stops
    finding it at once, e.g. after it was shared outside the venue."""
    row = service.rotate_venue_code(who, player_id)
    return VenueCodeRotated(player_id=row["id"], venue_code=row["venue_code"])
