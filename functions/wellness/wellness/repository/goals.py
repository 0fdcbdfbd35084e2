"""SQL of the goals endpoints. Progress rows are written by the analytics computation
(``repository.analytics``); these read them with each goal."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from backlot.pagination import Keyset, keyset_sql

SELECT = """
SELECT g.id, g.goal_type, g.target, g.app_key AS app, g.category, g.name, g.is_active, g.start_date,
       g.created_at, g.updated_at,
       COALESCE(p.achieved_days, 0) AS achieved_days, COALESCE(p.measured_days, 0) AS measured_days,
       CASE WHEN l.progress_date IS NOT NULL THEN jsonb_build_object(
           'date', l.progress_date, 'value', l.value, 'target', l.target, 'achieved', l.achieved) END AS progress
FROM wellness.goals g
LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE achieved) AS achieved_days, count(*) AS measured_days
                   FROM wellness.goal_progress WHERE goal_id = g.id) p ON true
LEFT JOIN LATERAL (SELECT progress_date, value::float8 AS value, target, achieved FROM wellness.goal_progress
                   WHERE goal_id = g.id ORDER BY progress_date DESC LIMIT 1) l ON true
"""


def list_goals(conn: psycopg.Connection, user_id: UUID, *, is_active: bool | None, goal_type: str | None,
               key: Keyset | None, limit: int) -> list[dict[str, Any]]:
    """``limit + 1`` goals of the user in creation order, after/before ``key``."""
    cond, order, params = keyset_sql("g.created_at", "g.id", key)
    return conn.execute(
        f"{SELECT} WHERE g.user_id = %s AND (%s::boolean IS NULL OR g.is_active = %s) "
        f"AND (%s::text IS NULL OR g.goal_type = %s) AND {cond} ORDER BY {order} LIMIT %s",
        (user_id, is_active, is_active, goal_type, goal_type, *params, limit + 1),
    ).fetchall()


def get_goal(conn: psycopg.Connection, user_id: UUID, goal_id: UUID) -> dict[str, Any] | None:
    """One goal of the user with its progress (None: not the user's, or no such goal)."""
    return conn.execute(f"{SELECT} WHERE g.user_id = %s AND g.id = %s", (user_id, goal_id)).fetchone()


def insert_goal(conn: psycopg.Connection, user_id: UUID, values: dict[str, Any]) -> UUID:
    """A new goal from checked column values; returns its id."""
    return conn.execute(
        "INSERT INTO wellness.goals (user_id, goal_type, target, app_key, category, name, is_active, start_date) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (user_id, values["goal_type"], values["target"], values.get("app_key"), values.get("category"),
         values.get("name"), values.get("is_active", True), values.get("start_date")),
    ).fetchone()["id"]


def lock_goal(conn: psycopg.Connection, user_id: UUID, goal_id: UUID) -> dict[str, Any] | None:
    """The goal's stored columns, locked for update (None: not the user's)."""
    return conn.execute(
        "SELECT id, goal_type, target, app_key, category, name, is_active, start_date FROM wellness.goals "
        "WHERE user_id = %s AND id = %s FOR UPDATE", (user_id, goal_id)).fetchone()


def update_goal(conn: psycopg.Connection, goal_id: UUID, values: dict[str, Any]) -> None:
    """Set the given columns (names are the repository's own keys, never input) of a locked goal."""
    sets = sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder(k)) for k in values)
    conn.execute(sql.SQL("UPDATE wellness.goals SET {}, updated_at = now() WHERE id = %(goal_id)s").format(sets),
                 {**values, "goal_id": goal_id})


def delete_goal(conn: psycopg.Connection, user_id: UUID, goal_id: UUID) -> bool:
    """Delete the user's goal (its progress cascades); False when there was none."""
    return conn.execute("DELETE FROM wellness.goals WHERE user_id = %s AND id = %s", (user_id, goal_id)).rowcount > 0
