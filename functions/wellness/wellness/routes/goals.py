"""``/api/usage/goals/``: daily limits with progress and achievement (document 001 "Goal setting
and tracking"; issue 10 item 6): list, create, retrieve, update, partial update, destroy."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response, status

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit, links

from wellness.http_api import API
from wellness.schemas.analytics import GoalCreate, GoalPage, GoalPublic, GoalType, GoalUpdate
from wellness.services import goals as service

router = APIRouter(prefix="/api/usage")


@router.get("/goals/", response_model=GoalPage, responses=API.errors(400, 401))
def list_goals(request: Request, is_active: bool | None = None, goal_type: GoalType | None = None,
               cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's goals in creation order, each with its latest progress; filters ``is_active``, ``goal_type``."""
    items, nxt, prev = service.list_goals(who, is_active, goal_type.value if goal_type else None, cursor, limit)
    return {**links(request, nxt, prev), "results": items}


@router.post("/goals/", status_code=status.HTTP_201_CREATED, response_model=GoalPublic, responses=API.errors(400, 401))
def create_goal(body: GoalCreate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """A new goal; its progress over the days already uploaded is in the answer."""
    return service.create_goal(who, body)


@router.get("/goals/{goal_id}/", response_model=GoalPublic, responses=API.errors(401, 404))
def get_goal(goal_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """One goal of the caller with its progress (another user's id: 404)."""
    return service.get_goal(who, goal_id)


@router.put("/goals/{goal_id}/", response_model=GoalPublic, responses=API.errors(400, 401, 404))
def update_goal(goal_id: UUID, body: GoalCreate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Replace the goal (absent fields take their defaults); progress is recomputed."""
    return service.update_goal(who, goal_id, body, partial=False)


@router.patch("/goals/{goal_id}/", response_model=GoalPublic, responses=API.errors(400, 401, 404))
def partial_update_goal(goal_id: UUID, body: GoalUpdate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Change the fields given; progress is recomputed."""
    return service.update_goal(who, goal_id, body, partial=True)


@router.delete("/goals/{goal_id}/", status_code=status.HTTP_204_NO_CONTENT, responses=API.errors(401, 404))
def delete_goal(goal_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    """Delete the goal (204); streaks and statistics no longer count it."""
    service.delete_goal(who, goal_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
