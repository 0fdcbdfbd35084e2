"""The scheduled jobs on real PostgreSQL: users are due in their own time zone, once a local day;
the nightly run computes patterns and statistics set-based; the cleanup keeps day totals and
daily figures; trends keep only what at least k users share."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg.rows import dict_row

from backlot import db
from wellness import analytics
from wellness.jobs import nightly
from wellness.repository import jobs as repo
from wellness.repository import stats as stats_repo

from .usage_seed import day, new_user, session, local


@pytest.fixture()
def conn(wellness_env, database_url: str):
    with psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as c:
        yield c


def zone_at_daytime() -> tuple[str, datetime]:
    """An ``Etc/GMT±k`` zone where it is now between 03:00 and 20:00, and its local now."""
    for k in range(-12, 15):
        name = f"Etc/GMT{'-' if k > 0 else '+'}{abs(k)}" if k else "UTC"
        now = datetime.now(ZoneInfo(name))
        if 3 <= now.hour < 20:
            return name, now
    raise AssertionError("no zone")


def test_due_in_the_users_own_time_zone_once_a_day(conn: psycopg.Connection) -> None:
    tz, now = zone_at_daytime()
    uid, dev = new_user(conn, tz)
    past, future = (now - timedelta(hours=1)).time(), (now + timedelta(hours=1)).time()
    ids = lambda rows: {r["user_id"] for r in rows}  # noqa: E731
    assert uid in ids(repo.due_users(conn, "patterns", past))
    assert uid not in ids(repo.due_users(conn, "patterns", future))
    assert uid in ids(repo.due_users(conn, "cleanup", past, isodow=now.isoweekday()))
    assert uid not in ids(repo.due_users(conn, "cleanup", past, isodow=now.isoweekday() % 7 + 1))
    [row] = [r for r in repo.due_users(conn, "patterns", past) if r["user_id"] == uid]
    assert row["local_today"] == now.date()
    repo.mark_done(conn, "patterns", [uid], [now.date()])
    assert uid not in ids(repo.due_users(conn, "patterns", past))


def test_nightly_jobs_compute_every_due_user_and_only_once(conn: psycopg.Connection) -> None:
    tz, now = zone_at_daytime()
    users = []
    for n in range(3):
        uid, dev = new_user(conn, tz)
        for i in range(1, 15):
            day(conn, uid, dev, now.date() - timedelta(days=i), screen=100 + 50 * n, unlocks=40 + 60 * n, notifications=30)
        # uploads recalculated their days at once; the messages of the last two were lost
        with conn.transaction():
            analytics.recalculate(conn, uid, [now.date() - timedelta(days=i) for i in range(3, 15)])
        users.append(uid)
    db.reset()
    first = nightly.run_patterns(None)
    assert first["users"] >= 3 and first["checks"] >= 27
    assert nightly.run_patterns(None)["users"] == 0  # done for today
    nightly.run_analytics(None)
    stats = {r["user_id"]: r for r in conn.execute(
        "SELECT user_id, as_of, current_streak, wellness_score FROM wellness.user_stats WHERE user_id = ANY(%s)", (users,))}
    assert set(stats) == set(users)
    assert all(s["as_of"] == now.date() - timedelta(days=1) for s in stats.values())
    assert stats[users[0]]["current_streak"] == 14 and stats[users[2]]["current_streak"] == 0  # 100 min vs 200 min a day
    done = conn.execute("SELECT job, count(*) AS n FROM wellness.job_runs WHERE user_id = ANY(%s) GROUP BY job", (users,)).fetchall()
    assert {r["job"]: r["n"] for r in done} == {"patterns": 3, "analytics": 3}


def test_cleanup_keeps_day_totals_and_daily_figures(conn: psycopg.Connection) -> None:
    uid, dev = new_user(conn)
    today = datetime.now(timezone.utc).date()
    old, recent = today - timedelta(days=100), today - timedelta(days=10)
    for d in (old, recent):
        day(conn, uid, dev, d, screen=120, apps=[("yt", "Entertainment", 100, 4)])
        session(conn, uid, dev, "yt", local(d, 12), 30)
    with conn.transaction():
        analytics.recalculate(conn, uid, [old, recent])
        conn.execute("INSERT INTO wellness.patterns (user_id, pattern_type, status, severity, confidence, reason, first_detected_on, "
                     "last_detected_on, resolved_on, resolved_at) VALUES (%s, 'night_owl', 'resolved', 'low', 0.5, 'x', %s, %s, %s, now() - interval '40 days')",
                     (uid, old, old, old))
    with conn.transaction():
        out = repo.cleanup(conn, [uid], [today], raw_days=90, resolved_days=30)
    assert out["app_rows"] == 1 and out["sessions"] == 1 and out["resolved_patterns"] == 1
    left = lambda sql: [r["d"] for r in conn.execute(sql, (uid,))]  # noqa: E731
    assert left("SELECT usage_date AS d FROM wellness.app_daily_usage WHERE user_id = %s") == [recent]
    assert left("SELECT usage_date AS d FROM wellness.daily_usage WHERE user_id = %s ORDER BY 1") == [old, recent]
    assert left("SELECT stat_date AS d FROM wellness.user_daily_stats WHERE user_id = %s ORDER BY 1") == [old, recent]


def test_trends_show_only_apps_of_at_least_k_users(conn: psycopg.Connection) -> None:
    end = date(2001, 1, 7)  # a week of its own in the shared database
    for n in range(6):
        uid, dev = new_user(conn)
        apps = [("com.common", "Social", 30, 3)] + ([("com.rare", "Games", 50, 2)] if n < 2 else [])
        day(conn, uid, dev, end - timedelta(days=1), screen=100, apps=apps)
    with conn.transaction():
        stats_repo.refresh_trends(conn, end, 5)
    rows = conn.execute("SELECT key, users FROM wellness.trends WHERE kind = 'popular_apps' AND period_end = %s", (end,)).fetchall()
    assert [(r["key"], r["users"]) for r in rows] == [("com.common", 6)]


def test_cleanup_job_runs_once_on_the_users_cleanup_day(conn: psycopg.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hourly run: a user past 02:00 on the cleanup weekday is cleaned once that day. (The
    weekday constant is set to the zone's today so the test does not depend on the calendar.)"""
    from wellness.jobs import cleanup

    tz, now = zone_at_daytime()
    uid, dev = new_user(conn, tz)
    old = now.date() - timedelta(days=120)
    day(conn, uid, dev, old, screen=60, apps=[("yt", "Entertainment", 50, 2)])
    monkeypatch.setattr(cleanup, "SUNDAY", now.isoweekday())
    db.reset()
    first = cleanup.run_cleanup(None)
    assert first["users"] >= 1 and first["app_rows"] >= 1
    assert conn.execute("SELECT count(*) AS n FROM wellness.app_daily_usage WHERE user_id = %s", (uid,)).fetchone()["n"] == 0
    assert conn.execute("SELECT count(*) AS n FROM wellness.daily_usage WHERE user_id = %s", (uid,)).fetchone()["n"] == 1
    assert uid not in {r["user_id"] for r in repo.due_users(conn, "cleanup", cleanup.CLEANUP_AT, isodow=now.isoweekday())}
