"""``/api/session/{id}``: a session's status, films, statistics, and its deletion."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status

from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit

from movies import service
from movies.http_api import API
from movies.schemas import FilmPage, SessionPublic, SessionStatusPublic, Stats

router = APIRouter(prefix="/api")


@router.get("/session/{session_id}/status", response_model=SessionStatusPublic, responses=API.errors(404))
def get_session_status(session_id: UUID) -> dict[str, Any]:
    return service.status(session_id)


@router.get("/session/{session_id}", response_model=SessionPublic, responses=API.errors(404))
def get_session(session_id: UUID) -> dict[str, Any]:
    return service.session_details(session_id)


@router.get("/session/{session_id}/movies", response_model=FilmPage, responses=API.errors(400, 404))
def list_session_movies(
    session_id: UUID,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return service.list_movies(session_id, cursor, limit)


@router.get("/session/{session_id}/stats", response_model=Stats, responses=API.errors(404))
def get_session_stats(session_id: UUID) -> dict[str, Any]:
    return service.statistics(session_id)


@router.delete("/session/{session_id}", status_code=status.HTTP_204_NO_CONTENT, responses=API.errors(404))
def delete_session(session_id: UUID) -> Response:
    service.delete(session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
