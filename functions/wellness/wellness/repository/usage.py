"""SQL of usage ingestion and its reads (tables of migration wellness_0002_usage).

Every function takes the caller's connection (the service owns the transaction) and every query
filters by the owner's ``user_id``. Writes are set-based: one statement per table, the rows passed
as arrays and expanded with ``unnest`` (one round trip however many rows).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any
from uuid import UUID

import psycopg

from backlot.pagination import Keyset, keyset_sql

from wellness.domain.ingest import AppRow, CategoryRow, DayRow, UnlockRow
from wellness.domain.sessions import Session


def lock_device(conn: psycopg.Connection, *, device_id: UUID, user_id: UUID) -> bool:
    """Lock the caller's device row until the transaction ends; False if no such device of theirs.

    ``FOR NO KEY UPDATE`` serializes the uploads of one device (so two uploads of the same day
    cannot interleave their delete and insert, and session merging sees the other's result)
    without blocking the foreign-key checks of other writers.
    """
    row = conn.execute(
        "SELECT 1 FROM wellness.devices WHERE id = %s AND user_id = %s FOR NO KEY UPDATE",
        (device_id, user_id)).fetchone()
    return row is not None


def profile_time_zone(conn: psycopg.Connection, *, user_id: UUID) -> str | None:
    """The user's IANA time zone from their profile, None when they have no profile yet."""
    row = conn.execute("SELECT time_zone FROM wellness.profiles WHERE user_id = %s", (user_id,)).fetchone()
    return row["time_zone"] if row else None


def replace_days(conn: psycopg.Connection, *, device_id: UUID, user_id: UUID, source: str,
                 days: list[DayRow], apps: list[AppRow], categories: list[CategoryRow]) -> None:
    """Replace the device's given days: their totals, apps and categories become exactly these.

    Set-based, one statement per step: upsert the days; delete the apps and categories of these
    days that the new upload no longer lists (so nothing of an old version stays beside the new
    one, and nothing adds up twice); upsert the apps and categories, rewriting only rows whose
    values changed (a repeated upload writes almost nothing). Upserts keep the foreign-key
    columns, so PostgreSQL skips their checks on update. The caller holds the device lock.
    """
    if not days:
        return
    dates = [d.usage_date for d in days]
    conn.execute(
        """INSERT INTO wellness.daily_usage AS u (device_id, usage_date, user_id, screen_time_minutes, unlocks,
                                                 notifications, first_pickup, source)
           SELECT %(device)s, d, %(user)s, s, n_u, n_n, f, %(source)s
           FROM unnest(%(dates)s::date[], %(screen)s::integer[], %(unlocks)s::integer[],
                       %(notifications)s::integer[], %(pickups)s::time[]) AS t(d, s, n_u, n_n, f)
           ON CONFLICT (device_id, usage_date) DO UPDATE
           SET screen_time_minutes = EXCLUDED.screen_time_minutes, unlocks = EXCLUDED.unlocks,
               notifications = EXCLUDED.notifications, first_pickup = EXCLUDED.first_pickup,
               source = EXCLUDED.source, uploaded_at = now()
           WHERE u.user_id = EXCLUDED.user_id""",
        {"device": device_id, "user": user_id, "source": source, "dates": dates,
         "screen": [d.screen_time_minutes for d in days], "unlocks": [d.unlocks for d in days],
         "notifications": [d.notifications for d in days], "pickups": [d.first_pickup for d in days]})
    conn.execute(
        """DELETE FROM wellness.app_daily_usage a
           WHERE a.device_id = %s AND a.user_id = %s AND a.usage_date = ANY(%s)
             AND (a.usage_date, a.app_key) NOT IN (SELECT * FROM unnest(%s::date[], %s::text[]))""",
        (device_id, user_id, dates, [a.usage_date for a in apps], [a.app_key for a in apps]))
    conn.execute(
        """DELETE FROM wellness.category_daily_usage c
           WHERE c.device_id = %s AND c.user_id = %s AND c.usage_date = ANY(%s)
             AND (c.usage_date, c.category) NOT IN (SELECT * FROM unnest(%s::date[], %s::text[]))""",
        (device_id, user_id, dates, [c.usage_date for c in categories], [c.category for c in categories]))
    if apps:
        conn.execute(
            """INSERT INTO wellness.app_daily_usage AS a (device_id, usage_date, app_key, user_id, app_name, category,
                                                         minutes, launches, notifications)
               SELECT %(device)s, d, k, %(user)s, n, c, m, l, o
               FROM unnest(%(dates)s::date[], %(keys)s::text[], %(names)s::text[], %(categories)s::text[],
                           %(minutes)s::numeric[], %(launches)s::integer[], %(notifications)s::integer[])
                    AS t(d, k, n, c, m, l, o)
               ON CONFLICT (device_id, usage_date, app_key) DO UPDATE
               SET app_name = EXCLUDED.app_name, category = EXCLUDED.category, minutes = EXCLUDED.minutes,
                   launches = EXCLUDED.launches, notifications = EXCLUDED.notifications
               WHERE (a.app_name, a.category, a.minutes, a.launches, a.notifications)
                     IS DISTINCT FROM (EXCLUDED.app_name, EXCLUDED.category, EXCLUDED.minutes,
                                       EXCLUDED.launches, EXCLUDED.notifications)""",
            {"device": device_id, "user": user_id, "dates": [a.usage_date for a in apps],
             "keys": [a.app_key for a in apps], "names": [a.app_name for a in apps],
             "categories": [a.category for a in apps], "minutes": [a.minutes for a in apps],
             "launches": [a.launches for a in apps], "notifications": [a.notifications for a in apps]})
    if categories:
        conn.execute(
            """INSERT INTO wellness.category_daily_usage AS c (device_id, usage_date, category, user_id, minutes)
               SELECT %(device)s, d, c, %(user)s, m
               FROM unnest(%(dates)s::date[], %(categories)s::text[], %(minutes)s::numeric[]) AS t(d, c, m)
               ON CONFLICT (device_id, usage_date, category) DO UPDATE SET minutes = EXCLUDED.minutes
               WHERE c.minutes IS DISTINCT FROM EXCLUDED.minutes""",
            {"device": device_id, "user": user_id, "dates": [c.usage_date for c in categories],
             "categories": [c.category for c in categories], "minutes": [c.minutes for c in categories]})


def sessions_overlapping(conn: psycopg.Connection, *, device_id: UUID, user_id: UUID,
                         sessions: list[Session]) -> list[Session]:
    """The device's stored sessions of the same apps that overlap the span of the given ones."""
    if not sessions:
        return []
    spans: dict[str, tuple[datetime, datetime]] = {}
    for s in sessions:
        low, high = spans.get(s.app_key, (s.started_at, s.ended_at))
        spans[s.app_key] = (min(low, s.started_at), max(high, s.ended_at))
    keys = list(spans)
    rows = conn.execute(
        """SELECT s.app_key, s.started_at, s.ended_at, s.utc_offset_seconds
           FROM unnest(%s::text[], %s::timestamptz[], %s::timestamptz[]) AS w(app_key, low, high)
           JOIN wellness.app_sessions s
             ON s.device_id = %s AND s.user_id = %s AND s.app_key = w.app_key
            AND s.started_at < w.high AND s.ended_at > w.low""",
        (keys, [spans[k][0] for k in keys], [spans[k][1] for k in keys], device_id, user_id)).fetchall()
    return [Session(r["app_key"], r["started_at"], r["ended_at"], r["utc_offset_seconds"]) for r in rows]


def replace_sessions(conn: psycopg.Connection, *, device_id: UUID, user_id: UUID,
                     old: list[Session], new: list[Session]) -> None:
    """Delete the ``old`` stored sessions and insert ``new`` (the merge of old and incoming)."""
    if old:
        conn.execute(
            """DELETE FROM wellness.app_sessions s
               USING unnest(%s::text[], %s::timestamptz[]) AS o(app_key, started_at)
               WHERE s.device_id = %s AND s.user_id = %s AND s.app_key = o.app_key AND s.started_at = o.started_at""",
            ([s.app_key for s in old], [s.started_at for s in old], device_id, user_id))
    if new:
        conn.execute(
            """INSERT INTO wellness.app_sessions (device_id, user_id, app_key, started_at, ended_at, utc_offset_seconds)
               SELECT %s, %s, k, b, e, o
               FROM unnest(%s::text[], %s::timestamptz[], %s::timestamptz[], %s::integer[]) AS t(k, b, e, o)""",
            (device_id, user_id, [s.app_key for s in new], [s.started_at for s in new],
             [s.ended_at for s in new], [s.utc_offset_seconds for s in new]))


def add_unlock_events(conn: psycopg.Connection, *, device_id: UUID, user_id: UUID, events: list[UnlockRow]) -> None:
    """Insert unlock instants; one already stored is left as it is (a re-upload adds nothing)."""
    if not events:
        return
    conn.execute(
        """INSERT INTO wellness.unlock_events (device_id, user_id, occurred_at, utc_offset_seconds)
           SELECT %s, %s, t, o FROM unnest(%s::timestamptz[], %s::integer[]) AS u(t, o)
           ON CONFLICT (device_id, occurred_at) DO NOTHING""",
        (device_id, user_id, [e.occurred_at for e in events], [e.utc_offset_seconds for e in events]))


def owns_device(conn: psycopg.Connection, *, device_id: UUID, user_id: UUID) -> bool:
    """Whether the device exists and is the user's."""
    return conn.execute("SELECT 1 FROM wellness.devices WHERE id = %s AND user_id = %s",
                        (device_id, user_id)).fetchone() is not None


def list_days(conn: psycopg.Connection, *, user_id: UUID, device_id: UUID | None, start: date | None,
              end: date | None, key: Keyset | None, limit: int) -> list[dict[str, Any]]:
    """The user's device days in keyset order on ``(usage_date, device_id)``, newest first
    (``backlot.pagination.keyset_sql``; a previous-page key fetches backwards); ``limit`` rows."""
    condition, order_by, _ = keyset_sql("t.usage_date", "t.device_id", key, descending=True)
    params: dict[str, Any] = {"user": user_id, "device": device_id, "start": start, "end": end, "limit": limit}
    if key is not None:  # the key's timestamp is the date at 00:00 UTC (services.usage.list_days)
        condition = condition.replace("(%s, %s)", "(%(key_date)s, %(key_device)s)")
        params |= {"key_date": key.at.astimezone(timezone.utc).date(), "key_device": key.id}
    return conn.execute(
        f"""SELECT t.device_id, t.usage_date, t.screen_time_minutes, t.screen_time_reported, t.unlocks,
                   t.notifications, t.first_pickup, t.app_minutes, t.app_launches, t.category_minutes, t.source,
                   d.uploaded_at
            FROM wellness.device_day_totals t
            JOIN wellness.daily_usage d ON d.device_id = t.device_id AND d.usage_date = t.usage_date
            WHERE t.user_id = %(user)s
              AND (%(device)s::uuid IS NULL OR t.device_id = %(device)s)
              AND (%(start)s::date IS NULL OR t.usage_date >= %(start)s)
              AND (%(end)s::date IS NULL OR t.usage_date <= %(end)s)
              AND {condition}
            ORDER BY {order_by}
            LIMIT %(limit)s""",  # noqa: S608 - condition and order come from keyset_sql's trusted column names
        params).fetchall()


def day_summary(conn: psycopg.Connection, *, user_id: UUID, device_id: UUID | None, start: date,
                end: date) -> list[dict[str, Any]]:
    """Per local date in ``[start, end]``: the user's devices' totals added up (days with data only).

    A total is NULL when no device sent it that day (``sum`` of NULLs); screen time falls back to
    the app minutes when a device sent apps but no total (``wellness.device_day_totals``).
    """
    return conn.execute(
        """SELECT usage_date, sum(screen_time_minutes)::integer AS screen_time_minutes,
                  sum(unlocks)::integer AS unlocks, sum(notifications)::integer AS notifications,
                  count(*)::integer AS devices
           FROM wellness.device_day_totals
           WHERE user_id = %(user)s AND usage_date BETWEEN %(start)s AND %(end)s
             AND (%(device)s::uuid IS NULL OR device_id = %(device)s)
           GROUP BY usage_date ORDER BY usage_date""",
        {"user": user_id, "device": device_id, "start": start, "end": end}).fetchall()


def top_apps(conn: psycopg.Connection, *, user_id: UUID, device_id: UUID | None, start: date, end: date,
             limit: int) -> list[dict[str, Any]]:
    """The user's most used apps in ``[start, end]``: minutes, launches and days of use, summed
    over their devices; most minutes first (then launches, then the key)."""
    return conn.execute(
        """SELECT app_key AS app, max(app_name) AS name, max(category) AS category,
                  sum(minutes) AS minutes, sum(launches)::integer AS launches, count(DISTINCT usage_date)::integer AS days
           FROM wellness.app_daily_usage
           WHERE user_id = %(user)s AND usage_date BETWEEN %(start)s AND %(end)s
             AND (%(device)s::uuid IS NULL OR device_id = %(device)s)
           GROUP BY app_key
           ORDER BY sum(minutes) DESC NULLS LAST, sum(launches) DESC NULLS LAST, app_key
           LIMIT %(limit)s""",
        {"user": user_id, "device": device_id, "start": start, "end": end, "limit": limit}).fetchall()
