"""Who the caller is in the styles product: their ``styles.users`` row and role (document 004,
M2-Style-Model-API "Create IsArtist permission").

An artist is a user whose role is ``artist`` (or ``admin``), or whose identity token carries the
Cognito group ``artist`` (locally: ``backlot token NAME --group artist``); the group also sets the
role on first sight, so the row says what the token said.
"""

from __future__ import annotations

import psycopg

from backlot.auth import Principal
from backlot.errors import Forbidden

from styles.errors import Code

ARTIST_GROUP = "artist"


def ensure_member(conn: psycopg.Connection, principal: Principal) -> str:
    """Make sure the caller has a ``styles.users`` row (``styles.users.service.ensure_user_in``:
    with the welcome tokens on first sight); returns their role."""
    from styles.users.service import Identity, ensure_user_in

    ensure_user_in(conn, Identity(user_id=principal.user_id, email=principal.email))
    if principal.in_group(ARTIST_GROUP):
        conn.execute("UPDATE styles.users SET role = 'artist' WHERE user_id = %s AND role = 'user'",
                     (principal.user_id,))
    row = conn.execute("SELECT role FROM styles.users WHERE user_id = %s", (principal.user_id,)).fetchone()
    return row[0] if not isinstance(row, dict) else row["role"]


def require_artist(conn: psycopg.Connection, principal: Principal) -> None:
    """Raises Forbidden (``not_an_artist``) unless the caller is an artist (or admin)."""
    if ensure_member(conn, principal) not in ("artist", "admin"):
        raise Forbidden("only artists can create style models", code=Code.not_an_artist)
