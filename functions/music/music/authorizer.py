"""The players' Lambda REQUEST authorizer (HTTP API, payload format 2.0, simple responses).

API Gateway calls it with the request's ``Authorization`` header (the identity source; a request
without it is refused with 401 before this runs). A header ``Bearer <token>`` whose SHA-256 is
the ``token_hash`` of a player that is not revoked is allowed, and the player's id goes to the
route's function in ``requestContext.authorizer.lambda.player_id``; anything else is refused
(API Gateway answers 403). Results are not cached (``ReauthorizeEvery: 0``), so a revoked or
rotated token stops working at once. AWS docs: "Working with AWS Lambda authorizers for HTTP APIs".
"""

from __future__ import annotations

from typing import Any

from backlot import db
from backlot.observability import logger

from music import repository as repo
from music.domain.tokens import bearer_token, token_hash

DENY: dict[str, Any] = {"isAuthorized": False}


def _header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return value
    sources = event.get("identitySource") or []
    return sources[0] if sources else None


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """``{"isAuthorized": true, "context": {"player_id", "player_name"}}`` or ``{"isAuthorized": false}``.

    A database failure raises (API Gateway answers 500) rather than letting anyone in.
    """
    token = bearer_token(_header(event, "authorization"))
    if token is None:
        logger.info("player refused: no bearer token")
        return DENY
    player = repo.player_for_token(db.connection(), token_hash(token))
    if player is None:
        logger.info("player refused: unknown or revoked token")
        return DENY
    return {"isAuthorized": True, "context": {"player_id": str(player["id"]), "player_name": player["name"]}}
