"""FastAPI dependencies of the music routes: who is calling (a person or a player)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backlot.auth import Principal
from backlot.errors import Unauthorized
from backlot.http import principal

from music.errors import Code

#: A player's device token (``blp_...``), checked by the Lambda REQUEST authorizer (401 without
#: one, 403 for a wrong or revoked one). Declared for the OpenAPI document only.
player_token = HTTPBearer(auto_error=False, scheme_name="player",
                          description="A player's device token (`blp_...`), from `POST /api/players/` or its rotation.")

from music import service


def person(request: Request) -> Principal:
    """FastAPI dependency: the signed-in person, with a music profile.

    Raises:
        Unauthorized: no verified JWT subject (e.g. a player token sent to a people's route).
    """
    who = principal(request)
    service.ensure_profile(who)
    return who


def player_id(request: Request,
              _token: Annotated[HTTPAuthorizationCredentials | None, Security(player_token)] = None) -> UUID:
    """FastAPI dependency: the player the Lambda authorizer identified (``context.player_id``).

    Raises:
        Unauthorized: the event carries no authorizer context (never the case behind API Gateway).
    """
    event = request.scope.get("aws.event") or {}
    context = ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda") or {}
    try:
        return UUID(str(context["player_id"]))
    except (KeyError, ValueError) as exc:
        raise Unauthorized("a player token is required", code=Code.player_token_required) from exc


Person = Depends(person)
Player = Depends(player_id)
