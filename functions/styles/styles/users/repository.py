"""SQL of accounts and artist profiles. Functions take an open connection and never open one."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

_COLUMNS = "u.user_id, u.email, u.display_name, u.role, u.profile_image_url, u.provider, u.created_at"


def insert_user(conn: psycopg.Connection, *, user_id: UUID, email: str | None, display_name: str | None,
                profile_image_url: str | None, provider: str | None, provider_user_id: str | None,
                role: str = "user") -> bool:
    """Make the user's row if it is missing (its balance row too); True when this call made it.

    A user seen again keeps their row; empty profile fields are filled from what is known now, and
    a higher ``role`` (``artist`` over ``user``, ``admin`` over both) raises theirs. An artist gets
    an (empty) artist profile.
    """
    made = conn.execute(
        """INSERT INTO styles.users (user_id, email, display_name, profile_image_url, provider, provider_user_id, role)
           VALUES (%s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (user_id) DO UPDATE
              SET email = COALESCE(styles.users.email, EXCLUDED.email),
                  display_name = COALESCE(styles.users.display_name, EXCLUDED.display_name),
                  profile_image_url = COALESCE(styles.users.profile_image_url, EXCLUDED.profile_image_url),
                  provider = COALESCE(styles.users.provider, EXCLUDED.provider),
                  provider_user_id = COALESCE(styles.users.provider_user_id, EXCLUDED.provider_user_id),
                  role = CASE WHEN EXCLUDED.role = 'admin' OR styles.users.role = 'admin' THEN 'admin'
                              WHEN EXCLUDED.role = 'artist' OR styles.users.role = 'artist' THEN 'artist'
                              ELSE 'user' END
           RETURNING (xmax = 0) AS inserted, role""",
        (user_id, email, display_name, profile_image_url, provider, provider_user_id, role),
    ).fetchone()
    if made["role"] == "artist":
        conn.execute("INSERT INTO styles.artists (user_id) VALUES (%s) ON CONFLICT (user_id) DO NOTHING", (user_id,))
    conn.execute("INSERT INTO styles.token_accounts (user_id) VALUES (%s) ON CONFLICT (user_id) DO NOTHING", (user_id,))
    return bool(made["inserted"])


def claim_welcome(conn: psycopg.Connection, *, user_id: UUID) -> bool:
    """Mark the welcome grant as given; True only for the one call that marks it (the guarded
    UPDATE re-checks ``welcome_granted_at IS NULL`` on the locked, latest row)."""
    return conn.execute(
        "UPDATE styles.users SET welcome_granted_at = now() WHERE user_id = %s AND welcome_granted_at IS NULL RETURNING user_id",
        (user_id,),
    ).fetchone() is not None


def get_user(conn: psycopg.Connection, *, user_id: UUID) -> dict[str, Any] | None:
    """The user with their balance and artist profile (``bio``, ``website_url``; None when not an artist)."""
    return conn.execute(
        f"""SELECT {_COLUMNS}, COALESCE(a.balance, 0) AS token_balance,
                   ar.user_id IS NOT NULL AS is_artist, ar.bio, ar.website_url
              FROM styles.users u
              LEFT JOIN styles.token_accounts a ON a.user_id = u.user_id
              LEFT JOIN styles.artists ar ON ar.user_id = u.user_id
             WHERE u.user_id = %s""",
        (user_id,),
    ).fetchone()


def upsert_artist(conn: psycopg.Connection, *, user_id: UUID, bio: str = "", website_url: str | None = None) -> None:
    """Make the user an artist (role ``artist`` unless admin) with this profile."""
    conn.execute(
        """INSERT INTO styles.artists (user_id, bio, website_url) VALUES (%s, %s, %s)
           ON CONFLICT (user_id) DO UPDATE SET bio = EXCLUDED.bio, website_url = EXCLUDED.website_url""",
        (user_id, bio, website_url),
    )
    conn.execute("UPDATE styles.users SET role = 'artist' WHERE user_id = %s AND role = 'user'", (user_id,))
