"""Accounts: first sight and the welcome grant (design document 004, M1-Auth-Backend: "Get or
create User", "Grant welcome tokens for new users ... Welcome bonus only granted once").

A user is first seen through the Google callback or through any signed-in request (a Cognito JWT;
locally ``backlot token NAME``); both make the row and grant the welcome tokens in one
transaction. Exactly once, even for concurrent first requests: the grant is guarded by
``welcome_granted_at IS NULL`` (an UPDATE on the user's locked row) and the ledger's unique index
on ``(user, 'welcome', 'user', user id)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from backlot import db

from styles.settings import get_settings
from styles.tokens import service as tokens
from styles.users import repository

_seen: set[UUID] = set()


@dataclass(frozen=True)
class Identity:
    """Who signed in: the platform user id and what the identity provider says of them."""

    user_id: UUID
    email: str | None = None
    display_name: str | None = None
    profile_image_url: str | None = None
    provider: str | None = None
    provider_user_id: str | None = None
    role: str = "user"


def role_of(groups: frozenset[str]) -> str:
    """The styles role a token's ``cognito:groups`` give: ``admin``, ``artist`` or ``user``.

    Document 004 has artists (M2-Style-Model-API "artist-only permission", "IsArtist") but no way
    to become one; here an artist is a member of the user pool's ``artist`` group (locally
    ``backlot token NAME --group artist``). A role is only ever raised by a group, never lowered.
    """
    if "admin" in groups:
        return "admin"
    return "artist" if "artist" in groups else "user"


def ensure_user_in(conn: psycopg.Connection, identity: Identity) -> bool:
    """Make the user (and balance) if missing and grant the welcome tokens if never granted, inside
    the caller's transaction; True when this call granted them."""
    repository.insert_user(conn, user_id=identity.user_id, email=identity.email, display_name=identity.display_name,
                           profile_image_url=identity.profile_image_url, provider=identity.provider,
                           provider_user_id=identity.provider_user_id, role=identity.role)
    if not repository.claim_welcome(conn, user_id=identity.user_id):
        return False
    amount = get_settings().welcome_tokens
    if amount > 0:
        tokens.add(conn, user_id=identity.user_id, amount=amount, type="welcome", reason="welcome_bonus",
                   reference_type="user", reference_id=str(identity.user_id))
    return True


def ensure_user(identity: Identity) -> None:
    """:func:`ensure_user_in` in its own transaction, once per user per execution environment."""
    if identity.user_id in _seen:
        return
    with db.transaction() as conn:
        ensure_user_in(conn, identity)
    _seen.add(identity.user_id)


def me(identity: Identity) -> dict[str, Any]:
    """The signed-in user (made on first sight) with balance and artist profile."""
    with db.transaction() as conn:
        ensure_user_in(conn, identity)
        row = repository.get_user(conn, user_id=identity.user_id)
    _seen.add(identity.user_id)
    assert row is not None
    return public(row)


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A ``repository.get_user`` row in ``UserPublic``'s shape (the artist profile nested)."""
    artist = {"bio": row["bio"], "website_url": row["website_url"]} if row.get("is_artist") else None
    return {**row, "artist": artist}
