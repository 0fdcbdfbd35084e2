"""How often one user may ask others for something (issue 11 item 7): friend requests and visit
proposals, each limited per sliding hour and day (settings ``friend_requests_per_*``,
``visit_proposals_per_*``) by the platform's limiter (:mod:`backlot.ratelimit`) over
``wellness.social_actions``. Over a limit: 429 ``too_many_requests`` with ``Retry-After``.

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

LIMITER = SlidingWindowLimiter("wellness", "social_actions")
"""The limiter over ``wellness.social_actions`` (wellness_0008)."""

HOUR, DAY = 3600, 86400

Action = Literal["friend_request", "visit_proposal"]


def windows(action: Action) -> list[Window]:
    """The windows of ``action`` from the settings: per hour and per day."""
    s = get_settings()
    if action == "friend_request":
        return [Window(s.friend_requests_per_hour, HOUR), Window(s.friend_requests_per_day, DAY)]
    return [Window(s.visit_proposals_per_hour, HOUR), Window(s.visit_proposals_per_day, DAY)]


def take(conn: psycopg.Connection, user_id: UUID, action: Action) -> None:
    """Count one ``action`` of the user in the caller's transaction.

    Raises:
        TooManyRequests: a window of ``action`` is full (429 with ``Retry-After``).
    """
    LIMITER.take(conn, user_id=user_id, action=action, windows=windows(action), what=action.replace("_", " ") + "s")
