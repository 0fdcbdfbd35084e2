"""Who the caller is in the styles product: their ``styles.users`` row and role (document 004,
M2-Style-Model-API "Create IsArtist permission").

The row is made on first sight by ``styles.users.service.ensure_user_in`` (with the welcome
tokens, once), inside the caller's transaction; the role comes from the token's Cognito groups
(``styles.users.service.role_of``: the ``artist`` group, locally ``backlot token NAME --group
artist``) and is only ever raised. An artist (or admin) may create style models.
"""

from __future__ import annotations

import psycopg
from backlot.auth import Principal
from backlot.errors import Forbidden

from styles.errors import Code


def ensure_member(conn: psycopg.Connection, principal: Principal) -> str:
    """Make sure the caller is a styles user; returns their role (``user``, ``artist``, ``admin``)."""
    from styles.users.service import Identity, ensure_user_in, role_of

    ensure_user_in(conn, Identity(user_id=principal.user_id, email=principal.email, role=role_of(principal.groups)))
    row = conn.execute("SELECT role FROM styles.users WHERE user_id = %s", (principal.user_id,)).fetchone()
    return row["role"]


def require_artist(conn: psycopg.Connection, principal: Principal) -> None:
    """Raises Forbidden (``not_an_artist``) unless the caller is an artist (or admin)."""
    if ensure_member(conn, principal) not in ("artist", "admin"):
        raise Forbidden("only artists can create style models", code=Code.not_an_artist)
