"""Usage rows written straight into wusage's tables (real PostgreSQL) for the analytics tests:
the analytics read those tables whatever wrote them."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import psycopg


def new_user(conn: psycopg.Connection, time_zone: str = "UTC") -> tuple[uuid.UUID, uuid.UUID]:
    """A platform user with a profile and one Android device: ``(user_id, device_id)``."""
    uid, dev = uuid.uuid4(), uuid.uuid4()
    conn.execute("INSERT INTO platform.users (id) VALUES (%s)", (uid,))
    conn.execute("INSERT INTO wellness.profiles (user_id, time_zone) VALUES (%s, %s)", (uid, time_zone))
    conn.execute(
        "INSERT INTO wellness.devices (id, user_id, name, platform, personality_type) VALUES (%s, %s, 'Pixel', 'android', 'snarky')",
        (dev, uid),
    )
    return uid, dev


def day(conn: psycopg.Connection, uid: uuid.UUID, dev: uuid.UUID, d: date, *, screen: int | None = None,
        unlocks: int | None = None, notifications: int | None = None, first_pickup: str | None = None,
        apps: list[tuple[str, str, float, int | None]] = ()) -> None:  # type: ignore[assignment]
    """One uploaded day (replacing it), with app rows ``(app_key, category, minutes, launches)``."""
    conn.execute("DELETE FROM wellness.daily_usage WHERE device_id = %s AND usage_date = %s", (dev, d))
    conn.execute(
        "INSERT INTO wellness.daily_usage (device_id, usage_date, user_id, screen_time_minutes, unlocks, notifications, first_pickup)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)", (dev, d, uid, screen, unlocks, notifications, first_pickup))
    for key, category, minutes, launches in apps:
        conn.execute(
            "INSERT INTO wellness.app_daily_usage (device_id, usage_date, app_key, user_id, app_name, category, minutes, launches)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", (dev, d, key, uid, key, category, minutes, launches))


def session(conn: psycopg.Connection, uid: uuid.UUID, dev: uuid.UUID, app: str, start: datetime, minutes: float) -> None:
    """An app session; ``start`` carries its offset (kept as ``utc_offset_seconds``)."""
    offset = int(start.utcoffset().total_seconds()) if start.utcoffset() else 0
    conn.execute(
        "INSERT INTO wellness.app_sessions (device_id, user_id, app_key, started_at, ended_at, utc_offset_seconds)"
        " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (dev, uid, app, start, start + timedelta(minutes=minutes), offset))


def local(d: date, hh: int, mm: int = 0, offset_hours: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm), tzinfo=timezone(timedelta(hours=offset_hours)))


def snapshot(conn: psycopg.Connection, uid: uuid.UUID) -> dict[str, Any]:
    """Everything analytics wrote for one user, without timestamps or generated ids."""
    q = lambda sql: [dict(r) for r in conn.execute(sql, (uid,)).fetchall()]  # noqa: E731
    return {
        "days": q("SELECT * EXCLUDE_TS FROM wellness.user_daily_stats WHERE user_id = %s ORDER BY stat_date".replace(
            "* EXCLUDE_TS", "stat_date, screen_time_minutes, unlocks, notifications, first_use_minute, night_minutes, night_unlocks, "
            "social_minutes, level_minutes, categorized_minutes, distinct_apps, launches, launch_minutes, max_minutes_per_launch, "
            "sessions, short_sessions, long_sessions, longest_session_minutes, goals_total, goals_met, is_streak_day")),
        "progress": q("SELECT g.goal_type, p.progress_date, p.value, p.achieved FROM wellness.goal_progress p "
                      "JOIN wellness.goals g ON g.id = p.goal_id WHERE p.user_id = %s ORDER BY 1, 2"),
        "patterns": q("SELECT pattern_type, status, severity, confidence, reason, metadata, first_detected_on, last_detected_on "
                      "FROM wellness.patterns WHERE user_id = %s ORDER BY pattern_type, created_at"),
        "checks": q("SELECT pattern_type, as_of, verdict, reason, metadata FROM wellness.pattern_checks WHERE user_id = %s ORDER BY 1"),
        "stats": q("SELECT as_of, wellness_score, score_components, current_streak, longest_streak, metrics "
                   "FROM wellness.user_stats WHERE user_id = %s"),
    }
