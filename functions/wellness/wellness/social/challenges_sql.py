"""SQL of challenges (``wellness.challenges``, ``wellness.challenge_participants``) and of their
progress: one set-based statement over every participant of a set of challenges, reading the
participants' daily figures (``wellness.user_daily_stats``, written by the analytics computation
after each upload; productivity minutes from ``wellness.app_daily_usage``)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import psycopg

from backlot.pagination import Keyset

from wellness.social.paging import named_keyset

SELECT = """
SELECT ch.id, ch.creator_id, ch.name, ch.description, ch.challenge_type, ch.target, ch.start_date, ch.end_date,
       ch.created_at, jsonb_build_object('id', ch.creator_id, 'display_name', cp.display_name) AS creator,
       (SELECT count(*) FROM wellness.challenge_participants p WHERE p.challenge_id = ch.id
        AND NOT EXISTS (SELECT 1 FROM wellness.blocks bk WHERE (bk.blocker_id = %(me)s AND bk.blocked_id = p.user_id)
                        OR (bk.blocker_id = p.user_id AND bk.blocked_id = %(me)s)))::int AS participants,
       EXISTS (SELECT 1 FROM wellness.challenge_participants p WHERE p.challenge_id = ch.id AND p.user_id = %(me)s) AS joined
FROM wellness.challenges ch
LEFT JOIN wellness.profiles cp ON cp.user_id = ch.creator_id
"""
# the caller sees a challenge they created or joined, or one a friend of theirs created
VISIBLE = """(ch.creator_id = %(me)s
  OR EXISTS (SELECT 1 FROM wellness.challenge_participants p WHERE p.challenge_id = ch.id AND p.user_id = %(me)s)
  OR EXISTS (SELECT 1 FROM wellness.friend_connections f WHERE f.status = 'accepted'
             AND f.user_low = LEAST(ch.creator_id, %(me)s) AND f.user_high = GREATEST(ch.creator_id, %(me)s)))"""


def local_today(conn: psycopg.Connection, user_id: UUID) -> date:
    """The user's date in their profile time zone (UTC without a profile)."""
    return conn.execute(
        "SELECT (now() AT TIME ZONE COALESCE((SELECT time_zone FROM wellness.profiles WHERE user_id = %s), 'UTC'))::date AS d",
        (user_id,)).fetchone()["d"]


def insert(conn: psycopg.Connection, challenge_id: UUID, creator: UUID, values: dict[str, Any]) -> None:
    """A new challenge, its creator its first participant."""
    conn.execute(
        "INSERT INTO wellness.challenges (id, creator_id, name, description, challenge_type, target, start_date, end_date) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (challenge_id, creator, values["name"], values.get("description"), values["challenge_type"], values["target"],
         values["start_date"], values["end_date"]))
    conn.execute("INSERT INTO wellness.challenge_participants (challenge_id, user_id) VALUES (%s, %s)", (challenge_id, creator))


def get_visible(conn: psycopg.Connection, me: UUID, challenge_id: UUID) -> dict[str, Any] | None:
    """The challenge if the caller may see it (None otherwise)."""
    return conn.execute(f"{SELECT} WHERE ch.id = %(id)s AND {VISIBLE}", {"me": me, "id": challenge_id}).fetchone()


def page(conn: psycopg.Connection, me: UUID, *, joined: bool | None, key: Keyset | None, limit: int) -> list[dict[str, Any]]:
    """``limit + 1`` challenges the caller sees, newest first, after/before ``key``."""
    cond, order, names = named_keyset("ch.created_at", "ch.id", key, descending=True)
    return conn.execute(
        f"{SELECT} WHERE {VISIBLE} AND (%(joined)s::boolean IS NULL OR EXISTS (SELECT 1 FROM wellness.challenge_participants p "
        f"WHERE p.challenge_id = ch.id AND p.user_id = %(me)s) = %(joined)s) AND {cond} ORDER BY {order} LIMIT %(n)s",
        {"me": me, "joined": joined, "n": limit + 1, **names}).fetchall()


def lock(conn: psycopg.Connection, challenge_id: UUID) -> None:
    """Lock the challenge row (joins and leaves of one challenge queue behind each other)."""
    conn.execute("SELECT 1 FROM wellness.challenges WHERE id = %s FOR UPDATE", (challenge_id,))


def join(conn: psycopg.Connection, challenge_id: UUID, user_id: UUID) -> bool:
    """Add the participant; False when they already were one."""
    return conn.execute("INSERT INTO wellness.challenge_participants (challenge_id, user_id) VALUES (%s, %s) "
                        "ON CONFLICT DO NOTHING", (challenge_id, user_id)).rowcount > 0


def leave(conn: psycopg.Connection, challenge_id: UUID, user_id: UUID) -> bool:
    """Remove the participant; False when they were not one."""
    return conn.execute("DELETE FROM wellness.challenge_participants WHERE challenge_id = %s AND user_id = %s",
                        (challenge_id, user_id)).rowcount > 0


PROGRESS = """
WITH ch AS (
    SELECT id, challenge_type, target, start_date, LEAST(end_date, %(today)s) AS last_date
    FROM wellness.challenges WHERE id = ANY(%(ids)s)
), prod AS (
    -- minutes in Productivity apps per participant and day (only for increase_productivity)
    SELECT p.challenge_id, a.user_id, a.usage_date, sum(a.minutes)::float8 AS minutes
    FROM ch
    JOIN wellness.challenge_participants p ON p.challenge_id = ch.id
    JOIN wellness.app_daily_usage a ON a.user_id = p.user_id AND a.usage_date BETWEEN ch.start_date AND ch.last_date
    WHERE ch.challenge_type = 'increase_productivity' AND lower(a.category) = 'productivity'
      AND (%(only)s::uuid IS NULL OR p.user_id = %(only)s)
    GROUP BY p.challenge_id, a.user_id, a.usage_date
), days AS (
    SELECT p.challenge_id, p.user_id,
           CASE ch.challenge_type
               WHEN 'reduce_screen_time' THEN s.screen_time_minutes::float8
               WHEN 'reduce_unlocks' THEN s.unlocks::float8
               WHEN 'reduce_social_media' THEN s.social_minutes::float8
               WHEN 'increase_productivity' THEN CASE WHEN s.screen_time_minutes IS NOT NULL THEN COALESCE(pr.minutes, 0) END
           END AS value,
           ch.challenge_type, ch.target
    FROM ch
    JOIN wellness.challenge_participants p ON p.challenge_id = ch.id
    JOIN wellness.user_daily_stats s ON s.user_id = p.user_id AND s.stat_date BETWEEN ch.start_date AND ch.last_date
    LEFT JOIN prod pr ON pr.challenge_id = p.challenge_id AND pr.user_id = p.user_id AND pr.usage_date = s.stat_date
    WHERE %(only)s::uuid IS NULL OR p.user_id = %(only)s
)
SELECT p.challenge_id, p.user_id, p.joined_at,
       jsonb_build_object('id', p.user_id, 'display_name', pr.display_name) AS "user",
       COALESCE(count(d.value) FILTER (WHERE CASE WHEN d.challenge_type LIKE 'increase_%%' THEN d.value >= d.target
                                                 ELSE d.value <= d.target END), 0)::int AS days_met,
       count(d.value)::int AS days_measured,
       round(avg(d.value)::numeric, 1)::float8 AS average_value
FROM wellness.challenge_participants p
JOIN ch ON ch.id = p.challenge_id
LEFT JOIN days d ON d.challenge_id = p.challenge_id AND d.user_id = p.user_id
LEFT JOIN wellness.profiles pr ON pr.user_id = p.user_id
WHERE (%(only)s::uuid IS NULL OR p.user_id = %(only)s)
  AND (%(viewer)s::uuid IS NULL OR NOT EXISTS (
      SELECT 1 FROM wellness.blocks bk WHERE (bk.blocker_id = %(viewer)s AND bk.blocked_id = p.user_id)
                                          OR (bk.blocker_id = p.user_id AND bk.blocked_id = %(viewer)s)))
GROUP BY p.challenge_id, p.user_id, p.joined_at, pr.display_name
ORDER BY p.challenge_id, days_met DESC, days_measured DESC, p.joined_at, p.user_id
"""


def progress(conn: psycopg.Connection, challenge_ids: list[UUID], today: date, only: UUID | None = None,
             viewer: UUID | None = None) -> list[dict[str, Any]]:
    """Each participant's figures in each challenge (ranked within a challenge), over the days from
    its start to ``today`` or its end: ``days_met`` (days whose figure meets the rule),
    ``days_measured`` (days with the figure), ``average_value`` (the figure's mean; the caller's
    own only ever leaves the service). ``only``: that participant alone. ``viewer``: leave out the
    participants with a block between them and the viewer, either way (``wellness.blocks``)."""
    if not challenge_ids:
        return []
    return conn.execute(PROGRESS, {"ids": challenge_ids, "today": today, "only": only, "viewer": viewer}).fetchall()
