"""Notifications (in-app feed) and webhook endpoints (issue 11; document 001 known limitation 6):
request and response models. A webhook's ``secret`` appears in the creation answer only
(:class:`WebhookCreated`); lists and deliveries never carry it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field

from backlot.models import LinkPage, PublicModel, RequestModel

from wellness.notifications.events import Event


class NotificationPublic(PublicModel):
    """One notification: ``event`` (``conversation.ready``, ``journal.ready``, ...), its ``data``
    (ids of what it is about; wellness.notifications.events lists them), and whether it is read."""

    id: UUID
    event: Event
    data: dict[str, Any]
    is_read: bool
    read_at: datetime | None = None
    created_at: datetime


class NotificationPage(LinkPage):
    results: list[NotificationPublic]


class ReadAll(PublicModel):
    """``POST /api/notifications/read_all/``: how many notifications this call marked read."""

    marked: int


class WebhookCreate(RequestModel):
    """``POST /api/webhooks/``: an ``https`` URL of a public host and the events to send there."""

    url: Annotated[str, Field(min_length=8, max_length=2048)]
    events: Annotated[list[Event], Field(min_length=1, max_length=len(Event))]


class WebhookPublic(PublicModel):
    id: UUID
    url: str
    events: list[Event]
    created_at: datetime


class WebhookCreated(WebhookPublic):
    """The new endpoint with its signing ``secret`` (``whsec_...``, Standard Webhooks 1.0), shown
    this once: keep it to verify the ``webhook-signature`` of every delivery."""

    secret: str


class WebhookPage(LinkPage):
    results: list[WebhookPublic]


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class DeliveryPublic(PublicModel):
    """One delivery of one notification to the endpoint: ``webhook_id`` (the ``webhook-id`` header,
    the same on every attempt), status, attempts made, the last response code (null: no answer, see
    ``last_error``), the first bytes of its body, and when the next attempt is due (pending only)."""

    id: UUID
    webhook_id: str
    event: Event
    status: DeliveryStatus
    attempts: int
    response_status: int | None = None
    response_body: str | None = None
    last_error: str | None = None
    last_attempt_at: datetime | None = None
    next_attempt_at: datetime | None = None
    created_at: datetime


class DeliveryPage(LinkPage):
    results: list[DeliveryPublic]
