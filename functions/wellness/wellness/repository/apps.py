"""SQL of the app registry (shared, no personal data), device apps and app relationships (per user)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import Connection

from backlot.pagination import Keyset, keyset_sql

APP_COLUMNS = "id, package_name, name, category, personality_type, created_at"
#: a device app with its registry entry as ``app`` (JSON) and the personality in effect
DEVICE_APP_SELECT = (
    "da.id, da.device_id, json_build_object('id', a.id, 'package_name', a.package_name, 'name', a.name,"
    " 'category', a.category, 'personality_type', a.personality_type, 'created_at', a.created_at) AS app,"
    " da.nickname, da.personality_override, COALESCE(da.personality_override, a.personality_type) AS personality_type,"
    " da.is_favorite, da.is_hidden, da.daily_limit_minutes, da.created_at, da.updated_at"
    " FROM wellness.device_apps da JOIN wellness.apps a ON a.id = da.app_id"
)
DEVICE_APP_WRITABLE = ("nickname", "personality_override", "is_favorite", "is_hidden", "daily_limit_minutes")
RELATIONSHIP_COLUMNS = "id, app_a_id AS app_a, app_b_id AS app_b, relationship_type, description, created_at"


# ---------------------------------------------------------------- registry
def upsert_app(conn: Connection, app_id: UUID, values: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The registry entry of ``package_name``, inserted when new: (row, created). An existing
    entry keeps its name, category and personality (the registry is shared)."""
    row = conn.execute(
        "INSERT INTO wellness.apps (id, package_name, name, category, personality_type) VALUES (%s, %s, %s, %s, %s)"
        f" ON CONFLICT (package_name) DO NOTHING RETURNING {APP_COLUMNS}",
        (app_id, values["package_name"], values["name"], values.get("category") or "other", values.get("personality_type") or "chill"),
    ).fetchone()
    if row is not None:
        return row, True
    return conn.execute(f"SELECT {APP_COLUMNS} FROM wellness.apps WHERE package_name = %s", (values["package_name"],)).fetchone(), False


def get_app(conn: Connection, app_id: UUID) -> dict[str, Any] | None:
    return conn.execute(f"SELECT {APP_COLUMNS} FROM wellness.apps WHERE id = %s", (app_id,)).fetchone()


def list_apps(conn: Connection, *, key: Keyset | None, limit: int, category: str | None, personality_type: str | None,
              search: str | None) -> list[dict[str, Any]]:
    """``limit + 1`` registry entries in keyset order, filtered (``search``: in name or package, any case)."""
    cond, order, key_params = keyset_sql("created_at", "id", key)
    like = None if search is None else "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return conn.execute(
        f"SELECT {APP_COLUMNS} FROM wellness.apps WHERE (%s::text IS NULL OR lower(category) = lower(%s))"
        " AND (%s::text IS NULL OR personality_type = %s)"
        " AND (%s::text IS NULL OR name ILIKE %s OR package_name ILIKE %s)"
        f" AND {cond} ORDER BY {order} LIMIT %s",
        (category, category, personality_type, personality_type, like, like, like, *key_params, limit + 1),
    ).fetchall()


# ---------------------------------------------------------------- device apps
def insert_device_app(conn: Connection, user_id: UUID, row_id: UUID, device_id: UUID, app_id: UUID,
                      values: dict[str, Any]) -> UUID | None:
    """Insert the association; None when the device has the app already.

    Raises:
        psycopg.errors.ForeignKeyViolation: the device is not the user's (or was just deleted).
    """
    cols = [c for c in DEVICE_APP_WRITABLE if c in values]
    names = "".join(f", {c}" for c in cols)
    marks = "".join(", %s" for _ in cols)
    found = conn.execute(
        f"INSERT INTO wellness.device_apps (id, user_id, device_id, app_id{names}) VALUES (%s, %s, %s, %s{marks})"
        " ON CONFLICT (device_id, app_id) DO NOTHING RETURNING id",
        (row_id, user_id, device_id, app_id, *[values[c] for c in cols]),
    ).fetchone()
    return found and found["id"]


def device_app_of(conn: Connection, user_id: UUID, device_id: UUID, app_id: UUID) -> dict[str, Any] | None:
    return conn.execute(f"SELECT {DEVICE_APP_SELECT} WHERE da.user_id = %s AND da.device_id = %s AND da.app_id = %s",
                        (user_id, device_id, app_id)).fetchone()


def get_device_app(conn: Connection, user_id: UUID, row_id: UUID) -> dict[str, Any] | None:
    return conn.execute(f"SELECT {DEVICE_APP_SELECT} WHERE da.user_id = %s AND da.id = %s", (user_id, row_id)).fetchone()


def list_device_apps(conn: Connection, user_id: UUID, *, key: Keyset | None, limit: int, device_id: UUID | None,
                     is_favorite: bool | None) -> list[dict[str, Any]]:
    cond, order, key_params = keyset_sql("da.created_at", "da.id", key)
    return conn.execute(
        f"SELECT {DEVICE_APP_SELECT} WHERE da.user_id = %s AND (%s::uuid IS NULL OR da.device_id = %s)"
        f" AND (%s::boolean IS NULL OR da.is_favorite = %s) AND {cond} ORDER BY {order} LIMIT %s",
        (user_id, device_id, device_id, is_favorite, is_favorite, *key_params, limit + 1),
    ).fetchall()


def update_device_app(conn: Connection, user_id: UUID, row_id: UUID, changes: dict[str, Any]) -> bool:
    cols = [c for c in DEVICE_APP_WRITABLE if c in changes]
    sets = "".join(f"{c} = %s, " for c in cols)
    found = conn.execute(f"UPDATE wellness.device_apps SET {sets}updated_at = now() WHERE user_id = %s AND id = %s RETURNING id",
                         (*[changes[c] for c in cols], user_id, row_id)).fetchone()
    return found is not None


def delete_device_app(conn: Connection, user_id: UUID, row_id: UUID) -> bool:
    found = conn.execute("DELETE FROM wellness.device_apps WHERE user_id = %s AND id = %s RETURNING id", (user_id, row_id)).fetchone()
    return found is not None


# ---------------------------------------------------------------- app relationships
def insert_relationship(conn: Connection, user_id: UUID, rel_id: UUID, a: UUID, b: UUID, kind: str,
                        description: str | None) -> dict[str, Any] | None:
    """Insert the user's relationship of the pair ``a < b``; None when the pair has one already.

    Raises:
        psycopg.errors.ForeignKeyViolation: an app is not in the registry.
    """
    return conn.execute(
        "INSERT INTO wellness.app_relationships (id, user_id, app_a_id, app_b_id, relationship_type, description)"
        f" VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (user_id, app_a_id, app_b_id) DO NOTHING RETURNING {RELATIONSHIP_COLUMNS}",
        (rel_id, user_id, a, b, kind, description),
    ).fetchone()


def relationship_of_pair(conn: Connection, user_id: UUID, a: UUID, b: UUID) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {RELATIONSHIP_COLUMNS} FROM wellness.app_relationships WHERE user_id = %s AND app_a_id = %s AND app_b_id = %s",
        (user_id, a, b),
    ).fetchone()


def list_relationships(conn: Connection, user_id: UUID, *, key: Keyset | None, limit: int, app_id: UUID | None) -> list[dict[str, Any]]:
    cond, order, key_params = keyset_sql("created_at", "id", key)
    return conn.execute(
        f"SELECT {RELATIONSHIP_COLUMNS} FROM wellness.app_relationships WHERE user_id = %s"
        f" AND (%s::uuid IS NULL OR %s::uuid IN (app_a_id, app_b_id)) AND {cond} ORDER BY {order} LIMIT %s",
        (user_id, app_id, app_id, *key_params, limit + 1),
    ).fetchall()


def delete_relationship(conn: Connection, user_id: UUID, rel_id: UUID) -> bool:
    found = conn.execute("DELETE FROM wellness.app_relationships WHERE user_id = %s AND id = %s RETURNING id",
                         (user_id, rel_id)).fetchone()
    return found is not None
