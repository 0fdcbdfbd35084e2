"""How often one user may ask for something that reaches others or starts work: friend requests
and visit proposals (issue 11 item 7), on-demand conversations (item 4: beyond the AI budget, which
is reserved only when the worker generates and costs nothing offline, so it would not stop a flood
of pending rows, queue messages and invocations). Each is limited per sliding hour and day
(settings ``friend_requests_per_*``, ``visit_proposals_per_*``, ``conversation_requests_per_*``) by
the platform's limiter (:mod:`backlot.ratelimit`) over ``wellness.rate_limited_actions``. Over a
limit: 429 ``too_many_requests`` with ``Retry-After``.

Counted: every request that passes validation and commits (a repeated, idempotent request too: it
is still a request); one refused later in the same transaction (404, 409, 400) rolls back and is
not counted. The limit is checked before anything about the other user is read, so a 429 never
depends on who was asked (a block stays hidden).
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

import psycopg

from backlot.ratelimit import SlidingWindowLimiter, Window

from wellness.settings import get_settings

LIMITER = SlidingWindowLimiter("wellness", "rate_limited_actions")
"""The limiter over ``wellness.rate_limited_actions`` (wellness_0008)."""

HOUR, DAY = 3600, 86400

Action = Literal["friend_request", "visit_proposal", "conversation_request"]


def windows(action: Action) -> list[Window]:
    """The windows of ``action`` from the settings: per hour and per day."""
    s = get_settings()
    per_hour, per_day = {
        "friend_request": (s.friend_requests_per_hour, s.friend_requests_per_day),
        "visit_proposal": (s.visit_proposals_per_hour, s.visit_proposals_per_day),
        "conversation_request": (s.conversation_requests_per_hour, s.conversation_requests_per_day),
    }[action]
    return [Window(per_hour, HOUR), Window(per_day, DAY)]


def take(conn: psycopg.Connection, user_id: UUID, action: Action) -> None:
    """Count one ``action`` of the user in the caller's transaction.

    Raises:
        TooManyRequests: a window of ``action`` is full (429 with ``Retry-After``).
    """
    LIMITER.take(conn, user_id=user_id, action=action, windows=windows(action), what=action.replace("_", " ") + "s")
