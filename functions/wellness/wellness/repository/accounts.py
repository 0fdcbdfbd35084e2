"""SQL of accounts: the profile (``wellness.profiles``), the counts of ``/stats/``, and the
deletion of everything the product holds about a user."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import Connection, sql

PROFILE_COLUMNS = (
    "display_name, time_zone, conversation_frequency, conversation_moods, conversations_enabled, "
    "journals_enabled, created_at, updated_at"
)
PROFILE_WRITABLE = ("display_name", "time_zone", "conversation_frequency", "conversation_moods", "conversations_enabled",
                    "journals_enabled")


def ensure_user(conn: Connection, user_id: UUID, email: str | None) -> None:
    """The user's ``platform.users`` row (what a first authenticated request would make)."""
    conn.execute("INSERT INTO platform.users (id, email) VALUES (%s, %s) ON CONFLICT (id) DO NOTHING", (user_id, email))


def ensure_profile(conn: Connection, user_id: UUID, time_zone: str, display_name: str | None = None) -> dict[str, Any]:
    """The user's profile, created with ``time_zone`` on first use (concurrent first uses create
    one row: ``ON CONFLICT DO NOTHING`` then a read)."""
    conn.execute(
        "INSERT INTO wellness.profiles (user_id, time_zone, display_name) VALUES (%s, %s, %s) ON CONFLICT (user_id) DO NOTHING",
        (user_id, time_zone, display_name),
    )
    return conn.execute(f"SELECT {PROFILE_COLUMNS} FROM wellness.profiles WHERE user_id = %s", (user_id,)).fetchone()


def update_profile(conn: Connection, user_id: UUID, changes: dict[str, Any]) -> dict[str, Any]:
    """Set ``changes`` (writable columns only) on the existing profile and return it."""
    cols = [c for c in PROFILE_WRITABLE if c in changes]
    sets = "".join(f"{c} = %s, " for c in cols)
    return conn.execute(f"UPDATE wellness.profiles SET {sets}updated_at = now() WHERE user_id = %s RETURNING {PROFILE_COLUMNS}",
                        (*[changes[c] for c in cols], user_id)).fetchone()


def stats(conn: Connection, user_id: UUID) -> dict[str, Any]:
    """Counts of the user's devices, apps, favourites and relationships, and the span of its usage
    days (``wellness.daily_usage`` and ``wellness.app_daily_usage`` when those tables exist)."""
    row = conn.execute(
        """
        SELECT (SELECT count(*) FROM wellness.devices WHERE user_id = %(u)s) AS devices,
               (SELECT count(*) FROM wellness.devices WHERE user_id = %(u)s AND is_active) AS active_devices,
               (SELECT count(DISTINCT app_id) FROM wellness.device_apps WHERE user_id = %(u)s) AS apps,
               (SELECT count(*) FROM wellness.device_apps WHERE user_id = %(u)s AND is_favorite) AS favorite_apps,
               (SELECT count(*) FROM wellness.device_relationships WHERE user_id = %(u)s) AS device_relationships,
               (SELECT count(*) FROM wellness.app_relationships WHERE user_id = %(u)s) AS app_relationships,
               (SELECT created_at FROM wellness.profiles WHERE user_id = %(u)s) AS member_since
        """, {"u": user_id}).fetchone()
    tables = [t for t in ("daily_usage", "app_daily_usage")
              if conn.execute("SELECT to_regclass(%s) IS NOT NULL AS found", (f"wellness.{t}",)).fetchone()["found"]]
    days = {"days_with_usage": 0, "first_usage_date": None, "last_usage_date": None}
    if tables:
        union = sql.SQL(" UNION ").join(
            sql.SQL("SELECT usage_date FROM {} WHERE user_id = %(u)s").format(sql.Identifier("wellness", t)) for t in tables)
        days = conn.execute(sql.SQL("SELECT count(*) AS days_with_usage, min(usage_date) AS first_usage_date,"
                                    " max(usage_date) AS last_usage_date FROM ({}) d").format(union), {"u": user_id}).fetchone()
    return {**row, **days}


def user_tables(conn: Connection) -> list[str]:
    """Every table of schema ``wellness`` with a ``user_id`` column, those referencing others first
    (children before parents: ``profiles`` and ``devices`` last), so deleting in this order never
    waits for a cascade to find a row still referenced."""
    rows = conn.execute(
        """
        SELECT c.table_name FROM information_schema.columns c
          JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = 'wellness' AND c.column_name = 'user_id' AND t.table_type = 'BASE TABLE'
         ORDER BY c.table_name
        """).fetchall()
    last = ("devices", "profiles")
    names = [r["table_name"] for r in rows]
    return [n for n in names if n not in last] + [n for n in last if n in names]


def delete_user_data(conn: Connection, user_id: UUID) -> dict[str, int]:
    """Delete every row of the user in schema ``wellness`` (every table with ``user_id``; tables
    keyed by device cascade from ``wellness.devices``). Returns rows deleted per table. The
    registry (``wellness.apps``) holds no personal data and stays."""
    counts = {}
    for table in user_tables(conn):
        found = conn.execute(sql.SQL("DELETE FROM {} WHERE user_id = %s").format(sql.Identifier("wellness", table)), (user_id,))
        counts[table] = found.rowcount
    return counts
