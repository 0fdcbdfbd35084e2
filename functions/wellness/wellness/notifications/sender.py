"""Sending the outbox (``wellness.webhook_deliveries``): the sweep that enqueues due deliveries and
the attempt that sends one, signed per Standard Webhooks 1.0 (``backlot.webhooks``).

Flow (nothing lost, nothing sent twice per attempt):

1. :func:`claim_due` (the sweep, every minute): takes due pending rows (``FOR UPDATE SKIP LOCKED``:
   two sweeps take different rows) and moves their ``next_attempt_at`` :data:`REDRIVE_S` ahead,
   then :func:`enqueue` sends ``{"id", "attempt"}`` per row to the delivery queue after commit. A
   message lost after the commit (a failed send, a crash) leaves the row due again in
   ``REDRIVE_S``: the next sweep sends it again.
2. :func:`attempt` (the queue's consumer): claims attempt ``n`` only while ``attempts = n - 1``
   (a duplicate message, or the same attempt enqueued twice, finds nothing to do), checks the URL
   again (``backlot.outbound``: the host's DNS may have changed to an internal address), POSTs the
   payload with ``webhook-id`` (``msg_<delivery id hex>``, the same on every attempt),
   ``webhook-timestamp`` and ``webhook-signature``, then records the answer: a 2xx is
   ``succeeded``; anything else (another status, a redirect, a timeout, a refused address) is
   retried :data:`RETRY_SCHEDULE_S` later, ``failed`` after ``webhook_max_attempts`` attempts.

Retry schedule: the one the Standard Webhooks spec points to ("Retry schedule": Svix's, after the
immediate attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), capped by ``webhook_max_attempts``
(8 by default: the whole schedule, about 27.5 hours). The sweep's period (a minute) is the finest
step, so the 5-second retry waits up to a minute.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import psycopg

from backlot import webhooks
from backlot.outbound import UnsafeUrl, check_url, post

RETRY_SCHEDULE_S = (5, 300, 1800, 7200, 18000, 36000, 36000)
"""Seconds before attempt 2, 3, ... 8 (after a failed attempt 1, 2, ... 7)."""
REDRIVE_S = 300
"""A claimed row is due again after this long when its message or its sender is lost."""
USER_AGENT = "backlot-wellness-webhooks/1"


def message_id(delivery_id: UUID) -> str:
    """The ``webhook-id`` of a delivery (the spec's examples use ``msg_`` ids)."""
    return f"msg_{delivery_id.hex}"


def retry_delay_s(attempt: int) -> int:
    """Seconds between failed attempt ``attempt`` (1-based) and the next (the last value repeats)."""
    return RETRY_SCHEDULE_S[min(attempt, len(RETRY_SCHEDULE_S)) - 1]


def claim_due(conn: psycopg.Connection, limit: int) -> list[dict[str, Any]]:
    """Take up to ``limit`` due pending deliveries (oldest due first) for enqueueing; returns
    ``[{"id", "attempt"}]`` (``attempt``: the number this message is for)."""
    return conn.execute(
        """UPDATE wellness.webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => %s)
           FROM (SELECT id FROM wellness.webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
                 ORDER BY next_attempt_at LIMIT %s FOR UPDATE SKIP LOCKED) due
           WHERE d.id = due.id RETURNING d.id, d.attempts + 1 AS attempt""", (REDRIVE_S, limit)).fetchall()


def enqueue(sqs: Any, queue_url: str, claimed: list[dict[str, Any]]) -> int:
    """Send one message per claimed delivery (``SendMessageBatch`` in tens); returns how many were
    accepted. A refused entry is not retried here: its row is due again after ``REDRIVE_S``."""
    sent = 0
    for start in range(0, len(claimed), 10):
        chunk = claimed[start:start + 10]
        answer = sqs.send_message_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(i), "MessageBody": json.dumps({"id": str(row["id"]), "attempt": row["attempt"]})}
            for i, row in enumerate(chunk)])
        sent += len(answer.get("Successful", []))
    return sent


@dataclass(frozen=True)
class Outcome:
    """What one attempt did: ``status`` (``succeeded``, ``pending`` (will be retried), ``failed``,
    or ``skipped``: not this message's attempt), the answer's code and a short error."""

    status: str
    response_status: int | None = None
    error: str | None = None


CLAIM = """
UPDATE wellness.webhook_deliveries d SET attempts = d.attempts + 1, last_attempt_at = now(),
       next_attempt_at = now() + make_interval(secs => %s)
FROM wellness.webhook_endpoints e
WHERE d.id = %s AND d.status = 'pending' AND d.attempts = %s AND e.id = d.endpoint_id
RETURNING d.id, d.attempts, d.payload, e.url, e.secret
"""

RECORD = """
UPDATE wellness.webhook_deliveries SET status = %s, response_status = %s, response_body = %s, last_error = %s,
       next_attempt_at = CASE WHEN %s = 'pending' THEN now() + make_interval(secs => %s) END
WHERE id = %s AND attempts = %s AND status = 'pending'
"""


def attempt(conn_factory: Any, delivery_id: UUID, number: int, *, max_attempts: int, timeout_s: float,
            allow_local: bool, client: httpx.Client | None = None) -> Outcome:
    """Make attempt ``number`` of one delivery (see the module docstring); each database step in its
    own transaction from ``conn_factory`` (none is held during the request).

    Raises:
        psycopg.Error: the database failed (the message is delivered again; the claim, if it was
            committed, makes the row due again after its lease).
    """
    with conn_factory() as conn:
        row = conn.execute(CLAIM, (int(timeout_s * 3) + 60, delivery_id, number - 1)).fetchone()
    if row is None:
        return Outcome("skipped")
    body = json.dumps(row["payload"], separators=(",", ":"), sort_keys=True).encode()
    code: int | None = None
    text: str | None = None
    error: str | None = None
    try:
        target = check_url(row["url"], allow_local=allow_local)
        headers = webhooks.sign_headers(row["secret"], message_id(row["id"]), body)
        answer = post(target, body, {**headers, "Content-Type": "application/json", "User-Agent": USER_AGENT},
                      timeout_s=timeout_s, client=client)
        code, text = answer.status, answer.body
        if not 200 <= code < 300:
            error = f"HTTP {code}" + (" (redirects are not followed)" if 300 <= code < 400 else "")
    except UnsafeUrl as exc:
        error = f"refused: {exc}"
    except httpx.TimeoutException:
        error = f"timeout after {timeout_s:g} s"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    status = "succeeded" if error is None else "failed" if row["attempts"] >= max_attempts else "pending"
    with conn_factory() as conn:
        conn.execute(RECORD, (status, code, text[:500] if text is not None else None,
                              error[:500] if error else None, status, retry_delay_s(row["attempts"]),
                              row["id"], row["attempts"]))
    return Outcome(status, code, error)
