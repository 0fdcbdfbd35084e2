"""SQL of devices and device relationships. Every query filters by the owner (``user_id``)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from psycopg import Connection

from backlot.pagination import Keyset, keyset_sql

DEVICE_COLUMNS = (
    "id, client_device_id, name, platform, personality_type, model, os_version, is_primary, is_active, "
    "last_synced_at, created_at, updated_at"
)
RELATIONSHIP_COLUMNS = "id, device_a_id AS device_a, device_b_id AS device_b, relationship_type, description, created_at"
#: The device columns a client may write (create, replace, update).
WRITABLE = ("name", "platform", "personality_type", "client_device_id", "model", "os_version", "is_active")


def lock_user(conn: Connection, user_id: UUID) -> None:
    """Serialise the caller's primary-device changes (create, set_primary, delete) on its profile
    row (``FOR UPDATE``; the profile exists: ``accounts.ensure_profile`` ran first)."""
    conn.execute("SELECT 1 FROM wellness.profiles WHERE user_id = %s FOR UPDATE", (user_id,))


def has_primary(conn: Connection, user_id: UUID) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM wellness.devices WHERE user_id = %s AND is_primary) AS found",
                        (user_id,)).fetchone()["found"]


def insert_device(conn: Connection, user_id: UUID, device_id: UUID, values: dict[str, Any], *, is_primary: bool) -> dict[str, Any] | None:
    """Insert a device; None when the user has a device with this ``client_device_id`` already."""
    cols = [c for c in WRITABLE if c in values]
    names = ", ".join(cols)
    marks = ", ".join(["%s"] * len(cols))
    return conn.execute(
        f"INSERT INTO wellness.devices (id, user_id, is_primary, {names}) VALUES (%s, %s, %s, {marks}) "
        f"ON CONFLICT (user_id, client_device_id) DO NOTHING RETURNING {DEVICE_COLUMNS}",
        (device_id, user_id, is_primary, *[values[c] for c in cols]),
    ).fetchone()


def device_by_client_id(conn: Connection, user_id: UUID, client_device_id: str) -> dict[str, Any] | None:
    return conn.execute(f"SELECT {DEVICE_COLUMNS} FROM wellness.devices WHERE user_id = %s AND client_device_id = %s",
                        (user_id, client_device_id)).fetchone()


def get_device(conn: Connection, user_id: UUID, device_id: UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(f"SELECT {DEVICE_COLUMNS} FROM wellness.devices WHERE user_id = %s AND id = %s{lock}",
                        (user_id, device_id)).fetchone()


def list_devices(conn: Connection, user_id: UUID, *, key: Keyset | None, limit: int, platform: str | None = None,
                 personality_type: str | None = None, is_active: bool | None = None) -> list[dict[str, Any]]:
    """``limit + 1`` devices in keyset order ``(created_at, id)`` (``backlot.pagination.keyset_sql``),
    filtered by the given values (None: no filter)."""
    cond, order, key_params = keyset_sql("created_at", "id", key)
    return conn.execute(
        f"SELECT {DEVICE_COLUMNS} FROM wellness.devices WHERE user_id = %s"
        " AND (%s::text IS NULL OR platform = %s) AND (%s::text IS NULL OR personality_type = %s)"
        f" AND (%s::boolean IS NULL OR is_active = %s) AND {cond} ORDER BY {order} LIMIT %s",
        (user_id, platform, platform, personality_type, personality_type, is_active, is_active, *key_params, limit + 1),
    ).fetchall()


def update_device(conn: Connection, user_id: UUID, device_id: UUID, changes: dict[str, Any]) -> dict[str, Any] | None:
    """Set ``changes`` (writable columns only); None when the device is not the user's.

    Raises:
        psycopg.errors.UniqueViolation: ``client_device_id`` is another device's of the user.
    """
    cols = [c for c in WRITABLE if c in changes]
    sets = ", ".join(f"{c} = %s" for c in cols)
    sets = f"{sets}, updated_at = now()" if sets else "updated_at = updated_at"
    return conn.execute(
        f"UPDATE wellness.devices SET {sets} WHERE user_id = %s AND id = %s RETURNING {DEVICE_COLUMNS}",
        (*[changes[c] for c in cols], user_id, device_id),
    ).fetchone()


def usage_dates(conn: Connection, user_id: UUID, device_id: UUID) -> list[date]:
    """The local dates the device has usage for (day totals or app rows), oldest first."""
    return [r["usage_date"] for r in conn.execute(
        "SELECT usage_date FROM wellness.daily_usage WHERE user_id = %(u)s AND device_id = %(d)s "
        "UNION SELECT usage_date FROM wellness.app_daily_usage WHERE user_id = %(u)s AND device_id = %(d)s ORDER BY 1",
        {"u": user_id, "d": device_id}).fetchall()]


def delete_device(conn: Connection, user_id: UUID, device_id: UUID) -> dict[str, Any] | None:
    """Delete the device (its relationships, apps and usage cascade); the deleted row or None."""
    return conn.execute("DELETE FROM wellness.devices WHERE user_id = %s AND id = %s RETURNING id, is_primary",
                        (user_id, device_id)).fetchone()


def set_primary(conn: Connection, user_id: UUID, device_id: UUID) -> dict[str, Any] | None:
    """Make ``device_id`` the user's one primary device (call under :func:`lock_user`); None when the
    device is not the user's. Two statements: the partial unique index ``devices_one_primary_idx``
    is checked per row, so the old primary is cleared first."""
    if get_device(conn, user_id, device_id) is None:
        return None
    conn.execute("UPDATE wellness.devices SET is_primary = false, updated_at = now() WHERE user_id = %s AND is_primary AND id <> %s",
                 (user_id, device_id))
    return conn.execute(
        f"UPDATE wellness.devices SET is_primary = true, updated_at = CASE WHEN is_primary THEN updated_at ELSE now() END"
        f" WHERE user_id = %s AND id = %s RETURNING {DEVICE_COLUMNS}", (user_id, device_id),
    ).fetchone()


def promote_oldest(conn: Connection, user_id: UUID) -> None:
    """Make the user's oldest device primary when none is (after the primary was deleted)."""
    conn.execute(
        "UPDATE wellness.devices SET is_primary = true, updated_at = now() WHERE id = ("
        " SELECT id FROM wellness.devices WHERE user_id = %s ORDER BY created_at, id LIMIT 1)"
        " AND NOT EXISTS (SELECT 1 FROM wellness.devices WHERE user_id = %s AND is_primary)",
        (user_id, user_id),
    )


def mark_synced(conn: Connection, user_id: UUID, device_id: UUID) -> dict[str, Any] | None:
    """Set ``last_synced_at`` to now (never backwards); None when the device is not the user's."""
    return conn.execute(
        "UPDATE wellness.devices SET last_synced_at = GREATEST(COALESCE(last_synced_at, now()), now()), updated_at = now()"
        f" WHERE user_id = %s AND id = %s RETURNING {DEVICE_COLUMNS}", (user_id, device_id),
    ).fetchone()


# ---------------------------------------------------------------- relationships
def insert_relationship(conn: Connection, user_id: UUID, rel_id: UUID, a: UUID, b: UUID, kind: str,
                        description: str | None) -> dict[str, Any] | None:
    """Insert the relationship of the pair ``a < b``; None when the pair has one already.

    Raises:
        psycopg.errors.ForeignKeyViolation: a device is not the user's (or was just deleted).
    """
    return conn.execute(
        "INSERT INTO wellness.device_relationships (id, user_id, device_a_id, device_b_id, relationship_type, description)"
        f" VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (device_a_id, device_b_id) DO NOTHING RETURNING {RELATIONSHIP_COLUMNS}",
        (rel_id, user_id, a, b, kind, description),
    ).fetchone()


def relationship_of_pair(conn: Connection, user_id: UUID, a: UUID, b: UUID) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {RELATIONSHIP_COLUMNS} FROM wellness.device_relationships WHERE user_id = %s AND device_a_id = %s AND device_b_id = %s",
        (user_id, a, b),
    ).fetchone()


def list_relationships(conn: Connection, user_id: UUID, *, key: Keyset | None, limit: int,
                       device_id: UUID | None = None) -> list[dict[str, Any]]:
    """``limit + 1`` relationships in keyset order, those of ``device_id`` only when given."""
    cond, order, key_params = keyset_sql("created_at", "id", key)
    return conn.execute(
        f"SELECT {RELATIONSHIP_COLUMNS} FROM wellness.device_relationships WHERE user_id = %s"
        f" AND (%s::uuid IS NULL OR %s::uuid IN (device_a_id, device_b_id)) AND {cond} ORDER BY {order} LIMIT %s",
        (user_id, device_id, device_id, *key_params, limit + 1),
    ).fetchall()


def delete_relationship(conn: Connection, user_id: UUID, rel_id: UUID) -> bool:
    found = conn.execute("DELETE FROM wellness.device_relationships WHERE user_id = %s AND id = %s RETURNING id",
                         (user_id, rel_id)).fetchone()
    return found is not None
