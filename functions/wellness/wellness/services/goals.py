"""Goal use cases (document 001 "Goal setting and tracking"; issue 10 item 6). A goal change
recomputes the user's goal progress, streak days and statistics in the same transaction, so the
next read shows them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from backlot import db
from backlot.auth import Principal
from backlot.errors import BadRequest, NotFound
from backlot.pagination import decode_keyset, keyset_page

from wellness import analytics
from wellness.errors import Code
from wellness.repository import goals as repo
from wellness.schemas.analytics import GoalCreate, GoalType, GoalUpdate


def _not_found() -> NotFound:
    return NotFound("goal not found", code=Code.goal_not_found)


def _check(values: dict[str, Any]) -> None:
    """``app`` is required with ``app_time`` and refused otherwise; ``category`` likewise with
    ``category_time``. Raises BadRequest naming the field (DRF ``{"field": ["message"]}``)."""
    fields = []
    kind = values["goal_type"]
    for field, column, needs in (("app", "app_key", GoalType.APP_TIME), ("category", "category", GoalType.CATEGORY_TIME)):
        if kind == needs and not values.get(column):
            fields.append({"field": field, "message": f"required for goal_type {needs.value}"})
        if kind != needs and values.get(column):
            fields.append({"field": field, "message": f"only for goal_type {needs.value}"})
    if fields:
        raise BadRequest("invalid goal", fields=fields)


def _columns(body: GoalCreate | GoalUpdate, *, partial: bool) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=partial)
    if "app" in data:
        data["app_key"] = data.pop("app")
    if "goal_type" in data and data["goal_type"] is not None:
        data["goal_type"] = GoalType(data["goal_type"]).value
    return data


def list_goals(who: Principal, is_active: bool | None, goal_type: str | None, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """One page of the caller's goals and the next/previous cursors. Raises BadRequest (``invalid_cursor``)."""
    key = decode_keyset(cursor)
    with db.transaction() as conn:
        rows = repo.list_goals(conn, who.user_id, is_active=is_active, goal_type=goal_type, key=key, limit=limit)
    return keyset_page(rows, limit, key)


def get_goal(who: Principal, goal_id: UUID) -> dict[str, Any]:
    """One goal of the caller. Raises NotFound (``goal_not_found``), also for another user's goal."""
    with db.transaction() as conn:
        row = repo.get_goal(conn, who.user_id, goal_id)
    if row is None:
        raise _not_found()
    return row


def create_goal(who: Principal, body: GoalCreate) -> dict[str, Any]:
    """Store the goal and measure it on every day the caller has data. Raises BadRequest naming
    ``app`` / ``category`` when they do not fit the goal type."""
    values = _columns(body, partial=False)
    _check(values)
    with db.transaction() as conn:
        goal_id = repo.insert_goal(conn, who.user_id, values)
        analytics.refresh_goals(conn, who.user_id)
        return repo.get_goal(conn, who.user_id, goal_id)  # type: ignore[return-value]


def update_goal(who: Principal, goal_id: UUID, body: GoalCreate | GoalUpdate, *, partial: bool) -> dict[str, Any]:
    """PUT (``partial`` False: every field as given, absent ones to their defaults) or PATCH."""
    changes = _columns(body, partial=partial)
    with db.transaction() as conn:
        current = repo.lock_goal(conn, who.user_id, goal_id)
        if current is None:
            raise _not_found()
        merged = {**current, **{k: v for k, v in changes.items() if not (partial and k in ("goal_type", "target", "is_active") and v is None)}}
        _check(merged)
        repo.update_goal(conn, goal_id, {k: merged[k] for k in ("goal_type", "target", "app_key", "category", "name", "is_active", "start_date")})
        analytics.refresh_goals(conn, who.user_id)
        return repo.get_goal(conn, who.user_id, goal_id)  # type: ignore[return-value]


def delete_goal(who: Principal, goal_id: UUID) -> None:
    """Delete the goal; streak days and statistics are recomputed without it. Raises NotFound."""
    with db.transaction() as conn:
        if not repo.delete_goal(conn, who.user_id, goal_id):
            raise _not_found()
        analytics.refresh_goals(conn, who.user_id)
