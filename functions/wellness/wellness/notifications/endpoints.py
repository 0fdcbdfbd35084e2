"""The webhook endpoints' use cases (``/api/webhooks/``): create (the secret answered once), list,
delete, and the deliveries of one endpoint. Only the caller's own: another user's endpoint is a 404
``webhook_not_found``.

The URL is checked when it is registered (``backlot.outbound.check_url``: https, a host that
resolves to public addresses only) and again at every delivery (DNS can change).
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from backlot import db
from backlot.auth import Principal
from backlot.errors import BadRequest, NotFound
from backlot.outbound import UnsafeUrl, check_url
from backlot.pagination import decode_keyset, keyset_page, keyset_sql
from backlot.webhooks import new_secret

from wellness.errors import Code
from wellness.notifications.sender import message_id
from wellness.schemas.notifications import WebhookCreate
from wellness.settings import get_settings

MAX_ENDPOINTS = 10
"""Endpoints per user (each notification is one delivery per endpoint)."""

PUBLIC = "id, url, events, created_at"


def _not_found() -> NotFound:
    return NotFound("webhook not found", code=Code.webhook_not_found)


def create(who: Principal, body: WebhookCreate) -> dict[str, Any]:
    """Register an endpoint; returns it with its new ``secret`` (``whsec_...``).

    Raises:
        BadRequest: naming ``url`` (not https, credentials, a host that does not resolve or resolves
            to a private, loopback, link-local, multicast or metadata address) or the user already
            has ``MAX_ENDPOINTS`` endpoints.
    """
    try:
        check_url(body.url, allow_local=get_settings().webhook_allow_local)
    except UnsafeUrl as exc:
        raise BadRequest("invalid webhook", fields=[{"field": "url", "message": str(exc)}]) from None
    events = sorted({str(e) for e in body.events})
    secret = new_secret()
    with db.transaction() as conn:
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s::text, 7))", (who.user_id,))
        count = conn.execute("SELECT count(*) AS n FROM wellness.webhook_endpoints WHERE user_id = %s",
                             (who.user_id,)).fetchone()["n"]
        if count >= MAX_ENDPOINTS:
            raise BadRequest("invalid webhook", fields=[{"field": "url", "message": f"at most {MAX_ENDPOINTS} webhooks per user"}])
        row = conn.execute(
            f"""INSERT INTO wellness.webhook_endpoints (id, user_id, url, events, secret) VALUES (%s, %s, %s, %s, %s)
                RETURNING {PUBLIC}, secret""", (uuid.uuid4(), who.user_id, body.url.strip(), events, secret)).fetchone()
    return row


def list_page(who: Principal, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """One page of the caller's endpoints, newest first (no secrets)."""
    key = decode_keyset(cursor)
    cond, order, params = keyset_sql("created_at", "id", key, descending=True)
    with db.transaction() as conn:
        rows = conn.execute(f"SELECT {PUBLIC} FROM wellness.webhook_endpoints WHERE user_id = %s AND {cond} "
                            f"ORDER BY {order} LIMIT %s", (who.user_id, *params, limit + 1)).fetchall()
    return keyset_page(rows, limit, key)


def delete(who: Principal, endpoint_id: UUID) -> None:
    """Delete the endpoint and its deliveries (pending ones are not sent). Raises NotFound."""
    with db.transaction() as conn:
        gone = conn.execute("DELETE FROM wellness.webhook_endpoints WHERE user_id = %s AND id = %s",
                            (who.user_id, endpoint_id)).rowcount
    if not gone:
        raise _not_found()


def deliveries(who: Principal, endpoint_id: UUID, cursor: str | None, limit: int
               ) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """One page of the endpoint's deliveries, newest first. Raises NotFound (not the caller's endpoint)."""
    key = decode_keyset(cursor)
    cond, order, params = keyset_sql("created_at", "id", key, descending=True)
    with db.transaction() as conn:
        if conn.execute("SELECT 1 FROM wellness.webhook_endpoints WHERE user_id = %s AND id = %s",
                        (who.user_id, endpoint_id)).fetchone() is None:
            raise _not_found()
        rows = conn.execute(
            f"""SELECT id, event, status, attempts, response_status, response_body, last_error, last_attempt_at,
                       next_attempt_at, created_at FROM wellness.webhook_deliveries
                WHERE user_id = %s AND endpoint_id = %s AND {cond} ORDER BY {order} LIMIT %s""",
            (who.user_id, endpoint_id, *params, limit + 1)).fetchall()
    items, nxt, prev = keyset_page(rows, limit, key)
    return [{**r, "webhook_id": message_id(r["id"])} for r in items], nxt, prev
