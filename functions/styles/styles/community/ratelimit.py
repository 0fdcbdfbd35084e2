"""How fast one user may like, comment and follow (issue 13 item 3: "Limit how fast one user can
like, comment and follow, with a clear 429").

A sliding window counted in SQL (``styles.community_actions``): before an action, the user's
actions of that kind in the last ``window_s`` seconds are counted under a transaction-scoped
advisory lock on (user, action), so concurrent requests of one user are counted one after the
other and never pass the limit together. The action's row is written in the caller's
transaction: an action that fails (404, 400) rolls back and is not counted. Rows older than the
window are deleted as the user acts. Over the limit: 429 ``too_many_requests`` with
``Retry-After`` (RFC 6585 section 4; RFC 9110 section 10.2.3), the seconds until the oldest
counted action leaves the window.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Literal
from uuid import UUID

import psycopg
from backlot.errors import TooManyRequests
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


def take(conn: psycopg.Connection, *, user_id: UUID, action: Action, limits: RateLimits | None = None) -> None:
    """Count one ``action`` of ``user_id`` in the caller's transaction.

    Raises:
        TooManyRequests: (429, ``Retry-After``) the user already made ``limit`` such actions in the window.
    """
    limits = limits or get_limits()
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"styles.community:{user_id}:{action}",))
    row = conn.execute(
        """WITH pruned AS (DELETE FROM styles.community_actions
                           WHERE user_id = %(user)s AND action = %(action)s
                             AND created_at < clock_timestamp() - make_interval(secs => %(window)s))
           SELECT count(*) AS n,
                  extract(epoch FROM min(created_at) + make_interval(secs => %(window)s) - clock_timestamp()) AS wait
           FROM styles.community_actions
           WHERE user_id = %(user)s AND action = %(action)s
             AND created_at >= clock_timestamp() - make_interval(secs => %(window)s)""",
        {"user": user_id, "action": action, "window": limits.window_s}).fetchone()
    limit = limits.limit(action)
    if row["n"] >= limit:
        wait = math.ceil(float(row["wait"] or 1))
        raise TooManyRequests(f"too many {action}s: at most {limit} per {limits.window_s} seconds; retry in {wait} s",
                              retry_after=wait)
    conn.execute("INSERT INTO styles.community_actions (user_id, action) VALUES (%s, %s)", (user_id, action))
