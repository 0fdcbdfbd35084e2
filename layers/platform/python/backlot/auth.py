"""Identity from the API Gateway JWT authorizer's claims.

API Gateway (HTTP API, payload 2.0) verifies the JWT and passes its claims in
``requestContext.authorizer.jwt.claims``; array claims arrive flattened to a string such as
``"[admin editors]"`` (AWS docs, "Controlling access to HTTP APIs with JWT authorizers").
The function trusts those claims and never sees the token itself, except on routes open at the
gateway (``Auth: NONE``) that verify a bearer token themselves (:mod:`backlot.bearer`,
:func:`backlot.http.optional_principal`).

A user is identified by the token's ``sub``. Cognito subjects are UUIDs and are used as the user
id as they are; any other subject is mapped to a stable UUID 5. The first request of a user makes
its ``platform.users`` row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from backlot import db
from backlot.errors import Unauthorized

SUBJECT_NAMESPACE = uuid.UUID("6f1c2a9e-8b1e-4c52-9d0a-2f6f5b0b7a11")

_seen: set[uuid.UUID] = set()


@dataclass(frozen=True)
class Principal:
    """The caller: ``user_id`` (UUID), ``email`` (may be None) and ``groups`` (``cognito:groups``)."""

    user_id: uuid.UUID
    email: str | None = None
    groups: frozenset[str] = field(default_factory=frozenset)

    def in_group(self, name: str) -> bool:
        """True when the token's ``cognito:groups`` claim names ``name``."""
        return name in self.groups


def user_id_for_subject(sub: str) -> uuid.UUID:
    """Map a token subject to the user id: the subject itself if it is a UUID, else UUID 5 of it."""
    try:
        return uuid.UUID(sub)
    except ValueError:
        return uuid.uuid5(SUBJECT_NAMESPACE, sub)


def parse_groups(value: Any) -> frozenset[str]:
    """Parse ``cognito:groups`` as a list, or as API Gateway's flattened ``"[a b]"`` string."""
    if value is None:
        return frozenset()
    if isinstance(value, (list, tuple)):
        return frozenset(str(v) for v in value)
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return frozenset(part for part in text.replace(",", " ").split() if part)


def principal_from_event(event: dict[str, Any]) -> Principal:
    """Build the :class:`Principal` from an API Gateway HTTP API v2 event.

    Raises:
        Unauthorized: the event carries no JWT claims or no ``sub``.
    """
    claims = (
        (event.get("requestContext") or {}).get("authorizer", {}) or {}
    ).get("jwt", {}).get("claims") or {}
    return principal_from_claims(claims)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    """Build the :class:`Principal` from verified JWT claims (the authorizer's, or
    :func:`backlot.bearer.verify`'s).

    Raises:
        Unauthorized: no ``sub``.
    """
    sub = claims.get("sub")
    if not sub:
        raise Unauthorized("missing identity: the request carries no verified token subject")
    return Principal(
        user_id=user_id_for_subject(str(sub)),
        email=claims.get("email"),
        groups=parse_groups(claims.get("cognito:groups")),
    )


def ensure_user(principal: Principal) -> None:
    """Create or touch the caller's ``platform.users`` row (once per user per execution environment)."""
    if principal.user_id in _seen:
        return
    db.connection().execute(
        """
        INSERT INTO platform.users (id, email, last_seen_at) VALUES (%s, %s, now())
        ON CONFLICT (id) DO UPDATE
           SET email = COALESCE(EXCLUDED.email, platform.users.email), last_seen_at = now()
        """,
        (principal.user_id, principal.email),
    )
    _seen.add(principal.user_id)
