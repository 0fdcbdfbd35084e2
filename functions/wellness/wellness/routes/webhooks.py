"""``/api/webhooks/``: the caller's webhook endpoints (issue 11; document 001 known limitation 6,
"No Webhooks"): each notification event the endpoint subscribes to is POSTed to its URL, signed
per Standard Webhooks 1.0 with the endpoint's secret, shown once at creation. Each route is its own
function (``wellness.handlers``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi import status as http

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit, links

from wellness.http_api import API
from wellness.notifications import endpoints
from wellness.schemas.notifications import DeliveryPage, WebhookCreate, WebhookCreated, WebhookPage

router = APIRouter(prefix="/api/webhooks")


@router.get("/", response_model=WebhookPage, responses=API.errors(400, 401))
def list_webhooks(request: Request, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT,
                  who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's endpoints, newest first (never their secrets)."""
    items, nxt, prev = endpoints.list_page(who, cursor, limit)
    return {**links(request, nxt, prev), "results": items}


@router.post("/", status_code=http.HTTP_201_CREATED, response_model=WebhookCreated, responses=API.errors(400, 401))
def create_webhook(body: WebhookCreate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Register an https endpoint of a public host for ``events``; the answer carries its signing
    ``secret`` (``whsec_...``) this once."""
    return endpoints.create(who, body)


@router.delete("/{webhook_id}/", status_code=http.HTTP_204_NO_CONTENT, responses=API.errors(401, 404))
def delete_webhook(webhook_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    """Delete the endpoint; its pending deliveries are not sent."""
    endpoints.delete(who, webhook_id)
    return Response(status_code=http.HTTP_204_NO_CONTENT)


@router.get("/{webhook_id}/deliveries/", response_model=DeliveryPage, responses=API.errors(400, 401, 404))
def list_webhook_deliveries(request: Request, webhook_id: UUID, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT,
                            who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The endpoint's deliveries, newest first: status, attempts, last response code, next attempt."""
    items, nxt, prev = endpoints.deliveries(who, webhook_id, cursor, limit)
    return {**links(request, nxt, prev), "results": items}
