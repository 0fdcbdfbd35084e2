"""How fast one user may like, comment and follow (issue 13 item 3: "Limit how fast one user can
like, comment and follow, with a clear 429").

The platform's sliding window counted in SQL (:mod:`backlot.ratelimit`) over
``styles.community_actions``: the user's actions of that kind in the last ``window_s`` seconds,
counted one request after the other; an action that fails rolls back and is not counted. Over the
limit: 429 ``too_many_requests`` with ``Retry-After``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal
from uuid import UUID

import psycopg
from backlot.ratelimit import SlidingWindowLimiter, Window
from pydantic_settings import BaseSettings, SettingsConfigDict

Action = Literal["like", "comment", "follow"]


class RateLimits(BaseSettings):
    """Attributes (environment ``COMMUNITY_<NAME>``):
    window_s: the sliding window, seconds.
    likes, comments, follows: actions of each kind one user may make per window (a like toggle,
        like or unlike, is one action; so is a follow toggle).
    """

    model_config = SettingsConfigDict(env_prefix="COMMUNITY_", extra="ignore")

    window_s: int = 60
    likes: int = 60
    comments: int = 10
    follows: int = 30

    def limit(self, action: Action) -> int:
        """The limit of ``action`` per window."""
        return {"like": self.likes, "comment": self.comments, "follow": self.follows}[action]


@lru_cache
def get_limits() -> RateLimits:
    """The limits, read from the environment once per execution environment."""
    return RateLimits()


LIMITER = SlidingWindowLimiter("styles", "community_actions")
"""The platform's sliding-window limiter over ``styles.community_actions`` (styles_0004)."""


def take(conn: psycopg.Connection, *, user_id: UUID, action: Action, limits: RateLimits | None = None) -> None:
    """Count one ``action`` of ``user_id`` in the caller's transaction (:mod:`backlot.ratelimit`).

    Raises:
        TooManyRequests: (429, ``Retry-After``) the user already made ``limit`` such actions in the window.
    """
    limits = limits or get_limits()
    LIMITER.take(conn, user_id=user_id, action=action, windows=[Window(limits.limit(action), limits.window_s)],
                 what=f"{action}s")
