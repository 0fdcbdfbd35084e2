"""``/api/usage/patterns/``: the detected usage patterns (document 001 "Usage Pattern Detection";
issue 10 item 5). Read-only: the analytics computation writes them after every upload and nightly."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit, links

from wellness.domain.patterns.base import PatternType
from wellness.http_api import API
from wellness.schemas.analytics import PatternPage, PatternPublic, PatternStatus
from wellness.services import patterns as service

router = APIRouter(prefix="/api/usage")


@router.get("/patterns/", response_model=PatternPage, responses=API.errors(400, 401))
def list_patterns(request: Request, status: PatternStatus | None = None, pattern_type: PatternType | None = None,
                  cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's patterns, newest first; filters ``status`` (active, resolved) and ``pattern_type``."""
    items, nxt, prev = service.list_patterns(who, status.value if status else None,
                                             pattern_type.value if pattern_type else None, cursor, limit)
    return {**links(request, nxt, prev), "results": items}


@router.get("/patterns/{pattern_id}/", response_model=PatternPublic, responses=API.errors(401, 404))
def get_pattern(pattern_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """One pattern of the caller (another user's id: 404)."""
    return service.get_pattern(who, pattern_id)
