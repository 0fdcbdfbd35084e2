"""``/api/v1/suggestions/``: learning-weighted suggestions (document 000, section 6)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from backlot.auth import Principal
from backlot.http import CurrentPrincipal

from family import service
from family.domain import learning
from family.http_api import problems
from family.schemas import DayOfWeek, SuggestionList, TimeOfDay, Weather

router = APIRouter(prefix="/api/v1")

HH = "`household_not_found`: no such household among the caller's"


@router.get("/suggestions/", response_model=SuggestionList, responses=problems({404: HH}))
def list_suggestions(
    household_id: UUID,
    weather: Weather | None = None,
    time_of_day: TimeOfDay | None = None,
    day_of_week: DayOfWeek | None = None,
    participant_count: Annotated[int | None, Query(ge=1, le=100)] = None,
    tags: Annotated[list[str], Query(max_length=20)] = [],  # noqa: B006 - FastAPI copies defaults
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    who: Principal = CurrentPrincipal,
) -> dict[str, Any]:
    """Ranked suggestions for ``household_id`` in the given context, each with ``why``.
    ``tags`` may repeat (``tags=a&tags=b``) or be comma-separated."""
    flat_tags = tuple(t.strip().lower() for chunk in tags for t in chunk.split(",") if t.strip())
    context = learning.Context(weather, time_of_day, day_of_week, participant_count, flat_tags)
    return service.suggestions(who, household_id, context, limit)
