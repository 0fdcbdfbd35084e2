"""How often one user may do one thing: a sliding-window limit counted in SQL, for every product
(first written for styles' likes, comments and follows, issue 13 item 3; wellness friend requests
and visit proposals, issue 11 item 7).

Each counted action is one row of a product's actions table, which has at least the columns
``user_id uuid NOT NULL``, ``action text NOT NULL`` and ``created_at timestamptz NOT NULL DEFAULT
clock_timestamp()``, indexed on ``(user_id, action, created_at)``. Before an action,
:meth:`SlidingWindowLimiter.take` counts the user's rows of that action in each window under a
transaction-scoped advisory lock on (table, user, action), so concurrent requests of one user are
counted one after the other and never pass a limit together. The action's row is written in the
caller's transaction: an action that fails later (404, 400) rolls back and is not counted. Rows
older than the longest window are deleted as the user acts. Over a limit: 429
``too_many_requests`` with ``Retry-After`` (RFC 6585 section 4; RFC 9110 section 10.2.3), the
seconds until the oldest counted action of the exceeded window leaves it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import psycopg
from psycopg import sql

from backlot.errors import TooManyRequests


@dataclass(frozen=True)
class Window:
    """At most ``limit`` actions in any ``seconds`` (a sliding window, not a calendar hour or day)."""

    limit: int
    seconds: int

    def __post_init__(self) -> None:
        if self.limit < 0 or self.seconds <= 0:
            raise ValueError(f"a window needs limit >= 0 and seconds > 0, not {self}")

    def describe(self) -> str:
        """``"20 per hour"``, ``"100 per day"``, ``"10 per 60 seconds"``."""
        named = {3600: "hour", 86400: "day", 60: "minute"}
        return f"{self.limit} per {named[self.seconds]}" if self.seconds in named else f"{self.limit} per {self.seconds} seconds"


class SlidingWindowLimiter:
    """The limits of one actions table.

    Args:
        schema, table: the actions table (columns in the module docstring); identifiers, quoted
            with :class:`psycopg.sql.Identifier`, never user input.
    """

    def __init__(self, schema: str, table: str):
        self.name = f"{schema}.{table}"
        self._table = sql.Identifier(schema, table)

    def take(self, conn: psycopg.Connection, *, user_id: UUID, action: str, windows: Sequence[Window],
             what: str | None = None) -> None:
        """Count one ``action`` of ``user_id`` in the caller's transaction (``conn`` inside one;
        rows as dicts).

        Args:
            windows: every limit that applies (e.g. 20 per hour and 100 per day); none: nothing counted.
            what: the action in the 429's message (default ``action``), e.g. ``"friend requests"``.

        Raises:
            TooManyRequests: (429, ``Retry-After``) a window already holds its ``limit`` actions;
                nothing is written.
        """
        if not windows:
            return
        longest = max(w.seconds for w in windows)
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"{self.name}:{user_id}:{action}",))
        conn.execute(sql.SQL("DELETE FROM {} WHERE user_id = %s AND action = %s "
                             "AND created_at < clock_timestamp() - make_interval(secs => %s)").format(self._table),
                     (user_id, action, longest))
        counts = sql.SQL(", ").join(
            sql.SQL("count(*) FILTER (WHERE created_at >= now_ - make_interval(secs => {s})) AS {n}, "
                    "extract(epoch FROM min(created_at) FILTER (WHERE created_at >= now_ - make_interval(secs => {s})) "
                    "+ make_interval(secs => {s}) - now_) AS {w}").format(
                s=sql.Literal(w.seconds), n=sql.Identifier(f"n{i}"), w=sql.Identifier(f"w{i}"))
            for i, w in enumerate(windows))
        row = conn.execute(
            sql.SQL("SELECT {} FROM (SELECT clock_timestamp() AS now_) n "
                    "LEFT JOIN {} a ON a.user_id = %s AND a.action = %s GROUP BY now_").format(counts, self._table),
            (user_id, action)).fetchone()
        values = list(row.values()) if isinstance(row, dict) else list(row)
        over = [(w, values[2 * i + 1]) for i, w in enumerate(windows) if values[2 * i] >= w.limit]
        if over:
            wait = max(math.ceil(float(left or 1)) for _, left in over)
            label = what or action
            raise TooManyRequests(f"too many {label}: at most {', '.join(w.describe() for w, _ in over)}; "
                                  f"retry in {wait} s", retry_after=wait)
        conn.execute(sql.SQL("INSERT INTO {} (user_id, action) VALUES (%s, %s)").format(self._table), (user_id, action))
