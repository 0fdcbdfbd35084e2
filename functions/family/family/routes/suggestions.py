"""``/api/v1/suggestions/``: learning-weighted suggestions (document 000, section 6)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from backlot.auth import Principal
from backlot.http import CurrentPrincipal

from family import service
from family.domain import learning
from family.domain.catalog import DAYS_OF_WEEK, TIMES_OF_DAY, WEATHERS

router = APIRouter(prefix="/api/v1")


@router.get("/suggestions/")
def list_suggestions(
    household_id: UUID,
    weather: Annotated[str | None, Query(pattern="^(" + "|".join(WEATHERS) + ")$")] = None,
    time_of_day: Annotated[str | None, Query(pattern="^(" + "|".join(TIMES_OF_DAY) + ")$")] = None,
    day_of_week: Annotated[str | None, Query(pattern="^(" + "|".join(DAYS_OF_WEEK) + ")$")] = None,
    participant_count: Annotated[int | None, Query(ge=1, le=100)] = None,
    tags: Annotated[list[str], Query(max_length=20)] = [],  # noqa: B006 - FastAPI copies defaults
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    who: Principal = CurrentPrincipal,
) -> dict[str, Any]:
    """Ranked suggestions for ``household_id`` in the given context, each with ``why``."""
    flat_tags = tuple(t.strip().lower() for chunk in tags for t in chunk.split(",") if t.strip())
    context = learning.Context(weather, time_of_day, day_of_week, participant_count, flat_tags)
    return service.suggestions(who, household_id, context, limit)
