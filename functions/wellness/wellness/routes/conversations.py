"""``/api/conversations/``: AI conversations and journals (document 001 "Conversations App"; issue 11
items 4 and 6): generate on demand, list with filters, retrieve, rate, favourite, feedback,
``/recent/``, journals (device and app), and the staff's cost report."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, status

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit, links

from wellness.conversations import service
from wellness.conversations.vocabulary import ConversationType, Mood
from wellness.http_api import API
from wellness.schemas.conversations import (
    ConversationPage, ConversationPublic, CostReport, FeedbackRequest, GenerateAccepted, GenerateRequest, RateRequest,
    RecentList,
)

router = APIRouter(prefix="/api/conversations")

#: an app that took part: its registry id, or the app key of an app not in the registry
AppRef = Annotated[str | None, Query(min_length=1, max_length=255, pattern=r"^[^\x00]+$")]


@router.post("/generate/", status_code=status.HTTP_202_ACCEPTED, response_model=GenerateAccepted, responses=API.errors(400, 401, 429))
def generate_conversation(body: GenerateRequest, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Queue a conversation of the caller's devices and apps; 202 with ``{"id", "status": "pending"}``."""
    return service.request_generation(who, body.conversation_type.value, body.mood.value, body.device_ids, body.app_ids)


@router.get("/", response_model=ConversationPage, responses=API.errors(400, 401))
def list_conversations(request: Request, conversation_type: ConversationType | None = None, mood: Mood | None = None,
                       is_favorite: bool | None = None, device_id: UUID | None = None, app_id: AppRef = None,
                       date: date | None = None, status: Literal["pending", "generating", "ready", "failed"] | None = None,  # noqa: A002
                       cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's conversations, newest first; filters: type, mood, favourites, a device or app
    that took part, the day (``for_date``), status."""
    filters = {"conversation_type": conversation_type and conversation_type.value, "mood": mood and mood.value,
               "is_favorite": is_favorite, "device_id": device_id, "app_id": app_id, "date": date, "status": status}
    items, nxt, prev = service.list_rows(who, "conversation", filters, cursor, limit)
    return {**links(request, nxt, prev), "results": items}


@router.get("/recent/", response_model=RecentList, responses=API.errors(401))
def recent_conversations(who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's ready conversations of the last 7 local days (at most 20), newest first."""
    return {"results": service.recent(who)}


@router.get("/journals/", response_model=ConversationPage, responses=API.errors(400, 401))
def list_journals(request: Request, device_id: UUID | None = None, app_id: AppRef = None,
                  subject_kind: Literal["device", "app"] | None = None, date: date | None = None,
                  cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's journal entries, newest first: ``device_id`` (a device's journal), ``app_id`` (an
    app's: registry id or app key), ``subject_kind`` (device or app journals), ``date``."""
    filters = {"device_id": device_id, "app_id": app_id, "subject_kind": subject_kind, "date": date}
    items, nxt, prev = service.list_rows(who, "journal", filters, cursor, limit)
    return {**links(request, nxt, prev), "results": items}


@router.get("/costs/", response_model=CostReport, responses=API.errors(400, 401, 403))
def ai_costs(since: date | None = None, until: date | None = None, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Staff only: AI spend per UTC day and model (default: the last 7 days)."""
    until = until or date.today()
    since = since or until - timedelta(days=min(6, (until - date.min).days))  # not before year 1
    return {"results": service.costs(who, since, until)}


@router.get("/{conversation_id}/", response_model=ConversationPublic, responses=API.errors(401, 404))
def get_conversation(conversation_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """One conversation or journal entry of the caller (another user's: 404)."""
    return service.get(who, conversation_id)


@router.post("/{conversation_id}/rate/", response_model=ConversationPublic, responses=API.errors(400, 401, 404))
def rate_conversation(conversation_id: UUID, body: RateRequest, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Rate it 1-5 (again: replaces the rating)."""
    return service.rate(who, conversation_id, body.rating)


@router.post("/{conversation_id}/toggle_favorite/", response_model=ConversationPublic, responses=API.errors(401, 404))
def toggle_favorite_conversation(conversation_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Flip ``is_favorite``."""
    return service.toggle_favorite(who, conversation_id)


@router.post("/{conversation_id}/feedback/", response_model=ConversationPublic, responses=API.errors(400, 401, 404))
def conversation_feedback(conversation_id: UUID, body: FeedbackRequest, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Free-text feedback on the text (replaces earlier feedback)."""
    return service.feedback(who, conversation_id, body.feedback)
