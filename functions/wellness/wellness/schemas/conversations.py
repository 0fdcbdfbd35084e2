"""Conversations and journals: request and response models (document 001 "Conversations App";
issue 11 items 4, 6, "Interfaces other work relies on")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from backlot.models import LinkPage, PublicModel, RequestModel

from wellness.conversations.vocabulary import ConversationType, Mood


class GenerateRequest(RequestModel):
    """A conversation to write now: its type, mood and cast (ids of the caller's devices, and of
    registry apps the caller has on a device; either list may be empty, not both)."""

    conversation_type: ConversationType
    mood: Mood
    device_ids: list[UUID] = Field(default_factory=list, max_length=10)
    app_ids: list[UUID] = Field(default_factory=list, max_length=10)


class GenerateAccepted(PublicModel):
    """The conversation is queued: poll ``GET /api/conversations/{id}/`` until ``status`` is
    ``ready`` or ``failed``."""

    id: UUID
    status: Literal["pending"]


class Speaker(PublicModel):
    """Who speaks: a device (id = device id) or an app (id = registry app id, or the app key of an
    app not in the registry), with its name when the text was written."""

    kind: Literal["device", "app"]
    id: str
    name: str


class Turn(PublicModel):
    speaker: Speaker
    text: str


class Participant(PublicModel):
    kind: Literal["device", "app"]
    id: str
    name: str
    personality: str | None = None


class ConversationPublic(PublicModel):
    """A conversation (``turns``) or a journal entry (``entry``; ``subject_kind``/``subject_id``
    whose). ``status``: ``pending`` (queued), ``generating`` (being streamed: ``turns`` holds the
    turns written so far, in order; poll until ``ready``), ``ready``, ``failed`` (``failure_reason``
    says why; a pending row may carry the reason of a failed attempt that will be retried).
    ``provider``: ``openai`` or ``offline`` (the template generator, without an API key)."""

    id: UUID
    kind: Literal["conversation", "journal"]
    origin: Literal["on_demand", "nightly"]
    status: Literal["pending", "generating", "ready", "failed"]
    conversation_type: ConversationType | None = None
    mood: Mood
    for_date: date
    subject_kind: Literal["device", "app"] | None = None
    subject_id: str | None = None
    participants: list[Participant]
    provider: Literal["openai", "offline"] | None = None
    model: str | None = None
    title: str | None = None
    turns: list[Turn] | None = None
    entry: str | None = None
    failure_reason: str | None = None
    attempts: int
    rating: int | None = None
    is_favorite: bool
    feedback: str | None = None
    created_at: datetime
    updated_at: datetime
    generated_at: datetime | None = None


class ConversationPage(LinkPage):
    results: list[ConversationPublic]


class RecentList(PublicModel):
    results: list[ConversationPublic]


class RateRequest(RequestModel):
    rating: int = Field(ge=1, le=5)


class FeedbackRequest(RequestModel):
    feedback: str = Field(min_length=1, max_length=2000)


class CostRow(PublicModel):
    """Spend of one UTC day and model (``mode``: ``sync``, ``batch`` or ``offline``)."""

    day: date
    model: str
    mode: str
    generations: int
    input_tokens: int
    output_tokens: int
    cost_usd: float


class CostReport(PublicModel):
    results: list[CostRow]
