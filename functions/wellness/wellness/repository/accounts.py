"""SQL of accounts: the profile (``wellness.profiles``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import Connection

PROFILE_COLUMNS = (
    "display_name, time_zone, conversation_frequency, conversation_moods, conversations_enabled, "
    "journals_enabled, created_at, updated_at"
)


def ensure_profile(conn: Connection, user_id: UUID, time_zone: str) -> dict[str, Any]:
    """The user's profile, created with ``time_zone`` on first use (concurrent first uses create
    one row: ``ON CONFLICT DO NOTHING`` then a read)."""
    conn.execute(
        "INSERT INTO wellness.profiles (user_id, time_zone) VALUES (%s, %s) ON CONFLICT (user_id) DO NOTHING",
        (user_id, time_zone),
    )
    return conn.execute(f"SELECT {PROFILE_COLUMNS} FROM wellness.profiles WHERE user_id = %s", (user_id,)).fetchone()
