"""Analytics on real PostgreSQL: the set-based run over many users equals per-user recalculation,
goals are measured and achieved, the streak SQL follows the written rule, patterns open and
resolve, and concurrent recalculations of one user end consistent."""

from __future__ import annotations

import random
import threading
from datetime import date, timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from wellness import analytics
from wellness.domain.score import DEFAULT_LIMIT_MINUTES
from wellness.domain.streaks import is_streak_day, streaks

from .usage_seed import day, local, new_user, session, snapshot

TODAY = date.today()


@pytest.fixture()
def conn(database_url: str):
    with psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as c:
        yield c


def seed_varied(conn: psycopg.Connection, seed: int, days: int = 40):
    """A user with random but plausible usage: totals, apps, a few sessions, one goal."""
    rnd = random.Random(seed)
    uid, dev = new_user(conn, rnd.choice(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]))
    with conn.transaction():
        for i in range(days):
            d = TODAY - timedelta(days=i)
            if rnd.random() < 0.1:
                continue  # a day without upload
            apps = [("com.instagram.android", "Social", rnd.randint(10, 200), rnd.randint(5, 60)),
                    ("com.google.docs", "Productivity", rnd.randint(0, 90), rnd.randint(1, 5)),
                    ("com.game", "Games", rnd.randint(0, 120), None)]
            day(conn, uid, dev, d, screen=rnd.choice([None, rnd.randint(60, 500)]), unlocks=rnd.randint(20, 160),
                notifications=rnd.randint(10, 200), first_pickup=f"{rnd.randint(4, 10):02d}:{rnd.randint(0, 59):02d}", apps=apps)
            if seed % 2:
                for _ in range(rnd.randint(0, 4)):
                    session(conn, uid, dev, "com.instagram.android", local(d, rnd.randint(0, 23), rnd.randint(0, 59), rnd.choice([0, 1, -5])),
                            rnd.choice([1, 1.5, 30, 75]))
        conn.execute("INSERT INTO wellness.goals (user_id, goal_type, target) VALUES (%s, 'daily_screen_time', %s)",
                     (uid, rnd.randint(120, 300)))
        if seed % 3 == 0:
            conn.execute("INSERT INTO wellness.goals (user_id, goal_type, target, app_key) VALUES (%s, 'app_time', 60, 'com.instagram.android')", (uid,))
    return uid, [TODAY - timedelta(days=i) for i in range(days)]


def test_set_based_run_equals_per_user_recalculate(conn: psycopg.Connection) -> None:
    users = [seed_varied(conn, s) for s in range(6)]
    first, last = TODAY - timedelta(days=39), TODAY
    with conn.transaction():
        analytics.run(conn, [u for u, _ in users], first=first, last=last)
    together = {u: snapshot(conn, u) for u, _ in users}
    for u, _ in users:
        conn.execute("DELETE FROM wellness.user_daily_stats WHERE user_id = %s", (u,))
        conn.execute("DELETE FROM wellness.goal_progress WHERE user_id = %s", (u,))
        conn.execute("DELETE FROM wellness.patterns WHERE user_id = %s", (u,))
        conn.execute("DELETE FROM wellness.pattern_checks WHERE user_id = %s", (u,))
        conn.execute("DELETE FROM wellness.user_stats WHERE user_id = %s", (u,))
    for u, dates in users:
        with conn.transaction():
            analytics.recalculate(conn, u, dates)
    for u, _ in users:
        alone = snapshot(conn, u)
        assert alone == together[u]
        assert alone["stats"] and alone["checks"] and alone["days"]


def test_recalculate_is_idempotent(conn: psycopg.Connection) -> None:
    u, dates = seed_varied(conn, 11)
    with conn.transaction():
        analytics.recalculate(conn, u, dates)
    once = snapshot(conn, u)
    with conn.transaction():
        analytics.recalculate(conn, u, dates)
    assert snapshot(conn, u) == once


def test_goals_are_measured_and_achieved(conn: psycopg.Connection) -> None:
    uid, dev = new_user(conn)
    d1, d2 = TODAY - timedelta(days=2), TODAY - timedelta(days=1)
    day(conn, uid, dev, d1, screen=100, unlocks=30, apps=[("yt", "Entertainment", 50, 3), ("ig", "Social", 40, 10)])
    day(conn, uid, dev, d2, screen=300, unlocks=90, apps=[("yt", "Entertainment", 200, 3)])
    for t, target, key, cat in [("daily_screen_time", 200, None, None), ("unlocks", 50, None, None),
                                ("app_time", 45, "ig", None), ("category_time", 100, None, "entertainment")]:
        conn.execute("INSERT INTO wellness.goals (user_id, goal_type, target, app_key, category) VALUES (%s, %s, %s, %s, %s)",
                     (uid, t, target, key, cat))
    with conn.transaction():
        analytics.recalculate(conn, uid, [d1, d2])
    got = {(r["goal_type"], r["progress_date"]): (float(r["value"]), r["achieved"]) for r in snapshot(conn, uid)["progress"]}
    assert got == {
        ("daily_screen_time", d1): (100, True), ("daily_screen_time", d2): (300, False),
        ("unlocks", d1): (30, True), ("unlocks", d2): (90, False),
        ("app_time", d1): (40, True), ("app_time", d2): (0, True),  # no Instagram that day: 0 minutes
        ("category_time", d1): (50, True), ("category_time", d2): (200, False),
    }
    s = snapshot(conn, uid)
    assert [(r["goals_total"], r["goals_met"], r["is_streak_day"]) for r in s["days"]] == [(4, 4, True), (4, 1, False)]
    assert s["stats"][0]["metrics"]["goals_achieved_count"] == 5


def test_streak_sql_follows_the_written_rule(conn: psycopg.Connection) -> None:
    rnd = random.Random(5)
    uid, dev = new_user(conn)
    figures = {}
    with conn.transaction():
        for i in range(60):
            d = TODAY - timedelta(days=i)
            if rnd.random() < 0.15:
                continue
            screen = rnd.choice([60, 120, 170, 200, 260])
            figures[d] = screen
            day(conn, uid, dev, d, screen=screen)
    with conn.transaction():
        analytics.recalculate(conn, uid, list(figures))
    expected = streaks([d for d, s in figures.items() if is_streak_day(s, 0, 0, DEFAULT_LIMIT_MINUTES)], TODAY)
    stats = snapshot(conn, uid)["stats"][0]
    assert (stats["current_streak"], stats["longest_streak"]) == expected
    assert expected[1] >= 2  # the data has runs worth checking


def test_current_streak_counts_from_yesterday_and_breaks_on_a_missing_day(conn: psycopg.Connection) -> None:
    uid, dev = new_user(conn)
    dates = [TODAY - timedelta(days=i) for i in (1, 2, 3, 5, 6)]
    for d in dates:
        day(conn, uid, dev, d, screen=60)
    with conn.transaction():
        analytics.recalculate(conn, uid, dates)
    s = snapshot(conn, uid)["stats"][0]
    assert (s["current_streak"], s["longest_streak"]) == (3, 3)


def test_pattern_opens_then_resolves_when_behaviour_stops(conn: psycopg.Connection) -> None:
    uid, dev = new_user(conn)
    dates = [TODAY - timedelta(days=i) for i in range(35)]
    for d in dates:
        day(conn, uid, dev, d, screen=200, unlocks=140 if d > TODAY - timedelta(days=7) else 60)
    with conn.transaction():
        analytics.recalculate(conn, uid, dates)
    [p] = [p for p in snapshot(conn, uid)["patterns"] if p["pattern_type"] == "phantom_vibration"]
    assert p["status"] == "active" and p["metadata"]["baseline"] == 60
    # the next week's uploads: back to normal
    recent = [TODAY - timedelta(days=i) for i in range(7)]
    for d in recent:
        day(conn, uid, dev, d, screen=200, unlocks=55)
    with conn.transaction():
        analytics.recalculate(conn, uid, recent)
    s = snapshot(conn, uid)
    [p] = [p for p in s["patterns"] if p["pattern_type"] == "phantom_vibration"]
    assert p["status"] == "resolved"
    assert {c["pattern_type"]: c["verdict"] for c in s["checks"]}["phantom_vibration"] == "not_detected"
    assert s["stats"][0]["metrics"]["resolved_patterns_count"] >= 1


def test_night_owl_without_time_of_day_is_insufficient_data(conn: psycopg.Connection) -> None:
    uid, dev = new_user(conn)
    dates = [TODAY - timedelta(days=i) for i in range(10)]
    for d in dates:
        day(conn, uid, dev, d, apps=[("yt", "Entertainment", 300, 5)])
    with conn.transaction():
        analytics.recalculate(conn, uid, dates)
    checks = {c["pattern_type"]: c for c in snapshot(conn, uid)["checks"]}
    assert checks["night_owl"]["verdict"] == "insufficient_data"
    assert "time of day" in checks["night_owl"]["reason"]


def test_sessions_place_night_minutes_in_the_senders_local_time(conn: psycopg.Connection) -> None:
    uid, dev = new_user(conn)
    d = TODAY - timedelta(days=1)
    session(conn, uid, dev, "ig", local(d, 23, 30, offset_hours=-5), 60)  # 23:30-00:30 in New York
    with conn.transaction():
        analytics.recalculate(conn, uid, [d])
    [row] = snapshot(conn, uid)["days"]
    assert row["stat_date"] == d and float(row["night_minutes"]) == 60 and row["long_sessions"] == 1


def test_concurrent_recalculations_of_one_user_end_consistent(database_url: str, conn: psycopg.Connection) -> None:
    u, dates = seed_varied(conn, 21)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with psycopg.connect(database_url, row_factory=dict_row) as c:
                with c.transaction():
                    analytics.recalculate(c, u, dates)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    after = snapshot(conn, u)
    with conn.transaction():
        analytics.recalculate(conn, u, dates)
    assert snapshot(conn, u) == after
    assert sum(1 for p in after["patterns"] if p["status"] == "active") == len({p["pattern_type"] for p in after["patterns"] if p["status"] == "active"})
