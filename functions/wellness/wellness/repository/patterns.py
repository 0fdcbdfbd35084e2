"""SQL of the pattern endpoints (reads; the analytics computation writes them:
``repository.analytics``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from backlot.pagination import Keyset, keyset_sql

COLUMNS = ("id, pattern_type, status, severity, confidence::float8 AS confidence, reason, metadata, first_detected_on, "
           "last_detected_on, resolved_on, created_at, updated_at")


def list_patterns(conn: psycopg.Connection, user_id: UUID, *, status: str | None, pattern_type: str | None,
                  key: Keyset | None, limit: int) -> list[dict[str, Any]]:
    """``limit + 1`` patterns of the user, newest first, after/before ``key``."""
    cond, order, params = keyset_sql("created_at", "id", key, descending=True)
    return conn.execute(
        f"SELECT {COLUMNS} FROM wellness.patterns WHERE user_id = %s AND (%s::text IS NULL OR status = %s) "
        f"AND (%s::text IS NULL OR pattern_type = %s) AND {cond} ORDER BY {order} LIMIT %s",
        (user_id, status, status, pattern_type, pattern_type, *params, limit + 1),
    ).fetchall()


def get_pattern(conn: psycopg.Connection, user_id: UUID, pattern_id: UUID) -> dict[str, Any] | None:
    """One pattern of the user (None: not the user's, or no such pattern)."""
    return conn.execute(f"SELECT {COLUMNS} FROM wellness.patterns WHERE user_id = %s AND id = %s", (user_id, pattern_id)).fetchone()


def checks(conn: psycopg.Connection, user_id: UUID) -> list[dict[str, Any]]:
    """The latest verdict of every detector for the user."""
    return conn.execute(
        "SELECT pattern_type, verdict, reason, as_of FROM wellness.pattern_checks WHERE user_id = %s ORDER BY pattern_type",
        (user_id,),
    ).fetchall()
