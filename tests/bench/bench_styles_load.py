"""Benchmark: design document 004's M6 load test and the feed's speed, through ``backlot dev`` on
loopback (issue 13 item 5).

Run from the repository root:  ``python tests/bench/bench_styles_load.py``  (``--users N``, default
100; ``--images N``, default 1000). Three lines::

    BENCH styles.baseline users=100 requests=... p50_ms=... p95_ms=...
    BENCH styles.load users=100 requests=... p50_ms=... p95_ms=... p99_ms=... errors=... wall_s=...
          browse_p95_ms=... detail_p95_ms=... generate_p95_ms=... serial_p50_ms=... serial_p95_ms=...  (one line)
    BENCH styles.feed images=1000 requests=... p50_ms=... p95_ms=... sql_p95_ms=... most_liked_p95_ms=...

What runs: ``backlot dev`` (its functions, gateway, JWT verification, moto and the local GPU
provider) on this repository's templates, on a fresh embedded PostgreSQL (``tests.support.services.
postgres``) that the bench seeds with SQL once the migrations ran: one artist, 20 completed style
models with tags, and ``images`` public finished generations of 50 users (an image key in the
artworks bucket, so every feed item is presigned as in production; like counts random 0..50).

* ``styles.load`` (the document's scenario, "browse models -> view detail -> generate image",
  "100 concurrent virtual users"): ``users`` threads released together, each a new user (a
  development JWT; first sight makes the account with its 100 welcome tokens) doing
  ``GET /api/models/?sort=popular`` -> ``GET /api/models/{id}`` -> ``POST /api/images/generate``
  (1:1, 10 tokens) once. Latencies of all requests; ``errors``: any status other than 200/201, or a
  request that failed or did not finish within the bound (``--bound-s``, default 300 s).
  Before it, the same scenario with 16 users (``backlot dev``'s default pool of warm execution
  environments), and 16 users' health checks, not measured, so first cold starts are not counted (at
  100 users the pool still replaces environments between functions: the runtime's share); ``serial_p50_ms``/``serial_p95_ms``:
  the scenario by 20 users one after another, what one request costs without waiting for a worker.
* ``styles.baseline`` (same run, same concurrency): each thread calls ``GET /api/health`` three
  times: what the local runtime itself costs per request at that load (gateway, event, one
  execution environment out of ``backlot dev``'s bounded pool, one ``SELECT 1``).
* ``styles.feed``: ``GET /api/community/feed`` paged through all ``images`` (20 a page, one reader)
  and the first pages of ``sort=most_liked&period=week``; ``sql_p95_ms``: the feed's one query run
  directly (``styles.community.repository.feed``) on the same database, what of the time is ours.

Targets (document 004, M6-Performance / M5-Community-API): load p95 < 500 ms with no errors; feed
< 200 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = next((p for p in HERE.parents if (p / "pyproject.toml").exists()), HERE.parents[2])
for extra in [REPO, *(REPO / "functions").iterdir(), REPO / "layers" / "platform" / "python", REPO / "infra" / "local"]:
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import httpx  # noqa: E402
import psycopg  # noqa: E402
from psycopg.rows import dict_row  # noqa: E402

from tests.integration.local.lifecycle import cleanup, new_state, start_dev  # noqa: E402
from tests.support.services import postgres  # noqa: E402


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` (nearest rank), 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def seed(url: str, images: int) -> list[str]:
    """The artist, 20 completed tagged models and ``images`` public generations; the model ids."""
    artist = uuid.uuid4()
    owners = [uuid.uuid4() for _ in range(50)]
    models = [uuid.uuid4() for _ in range(20)]
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        for user in [artist, *owners]:
            conn.execute("INSERT INTO styles.users (user_id, email, display_name, role) VALUES (%s, %s, %s, %s)",
                         (user, f"{user}@bench.example", f"user {user.hex[:6]}", "artist" if user == artist else "user"))
        for i, model_id in enumerate(models):
            conn.execute(
                """INSERT INTO styles.style_models (id, artist_id, name, training_status, model_path, price, usage_count,
                                                    image_count, trigger_word, task_id)
                   VALUES (%s, %s, %s, 'completed', 'loras/bench.safetensors', 0, %s, 10, %s, %s)""",
                (model_id, artist, f"Bench style {i}", random.randint(0, 500), f"bench{i}", uuid.uuid4()))
            for position, tag in enumerate(random.sample(["sea", "night", "portrait", "ink", "oil", "dawn"], 3)):
                row = conn.execute("""INSERT INTO styles.tags (id, name, usage_count) VALUES (gen_random_uuid(), %s, 1)
                                      ON CONFLICT (lower(name)) DO UPDATE SET usage_count = styles.tags.usage_count + 1
                                      RETURNING id""", (tag,)).fetchone()
                conn.execute("INSERT INTO styles.model_tags (model_id, tag_id, position) VALUES (%s, %s, %s)",
                             (model_id, row[0], position))
        conn.execute(
            """INSERT INTO styles.generations (id, user_id, style_model_id, prompt_tags, prompt, aspect_ratio, seed, cost,
                                               status, image_key, task_id, visibility, like_count, comment_count, created_at)
               SELECT gen_random_uuid(), (%(owners)s::uuid[])[1 + i %% 50], (%(models)s::uuid[])[1 + i %% 20],
                      ARRAY['bench', 'image'], 'bench', '1:1', i, 10, 'completed', 'generations/bench/' || i || '.png',
                      gen_random_uuid(), 'public', (random() * 50)::int, (random() * 5)::int,
                      now() - make_interval(mins => i)
               FROM generate_series(1, %(n)s) AS i""",
            {"owners": owners, "models": models, "n": images})
    return [str(m) for m in models]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--bound-s", type=float, default=300.0)
    args = parser.parse_args()

    from backlot_local.tokens import load_keys, make_token

    state = new_state()
    with postgres() as url:
        dev = start_dev(state, root=REPO, env={"DATABASE_URL": url})
        try:
            models = seed(url, args.images)
            keys = load_keys(state)
            base = dev.url + "/styles"
            limits = httpx.Limits(max_connections=args.users * 2, max_keepalive_connections=args.users * 2)
            with httpx.Client(base_url=base, timeout=args.bound_s, limits=limits) as client:
                run_load(client, 16, models, keys, make_token, args.bound_s)  # warm-up: execution environments
                run_baseline(client, 16, keys, make_token)
                baseline = run_baseline(client, args.users, keys, make_token)
                load = run_load(client, args.users, models, keys, make_token, args.bound_s)
                serial = run_serial(client, models, keys, make_token)
                feed = run_feed(client, url, args.images, keys, make_token)
        finally:
            dev.kill()
            cleanup(state)
    print(f"BENCH styles.baseline users={args.users} requests={len(baseline)} p50_ms={pct(baseline, .5):.0f} "
          f"p95_ms={pct(baseline, .95):.0f}")
    everything = load["browse"] + load["detail"] + load["generate"]
    print(f"BENCH styles.load users={args.users} requests={len(everything)} p50_ms={pct(everything, .5):.0f} "
          f"p95_ms={pct(everything, .95):.0f} p99_ms={pct(everything, .99):.0f} errors={load['errors']} "
          f"wall_s={load['wall_s']:.1f} browse_p95_ms={pct(load['browse'], .95):.0f} "
          f"detail_p95_ms={pct(load['detail'], .95):.0f} generate_p95_ms={pct(load['generate'], .95):.0f} "
          f"serial_p50_ms={pct(serial, .5):.0f} serial_p95_ms={pct(serial, .95):.0f}")
    print(f"BENCH styles.feed images={args.images} requests={len(feed['newest']) + len(feed['liked'])} "
          f"p50_ms={pct(feed['newest'], .5):.0f} p95_ms={pct(feed['newest'], .95):.0f} sql_p95_ms={pct(feed['sql'], .95):.1f} "
          f"most_liked_p95_ms={pct(feed['liked'], .95):.0f} errors={feed['errors']}")
    return 0 if load["errors"] == 0 and feed["errors"] == 0 else 1


def _timed(call) -> tuple[float, httpx.Response | None]:
    started = time.perf_counter()
    try:
        res = call()
    except httpx.HTTPError:
        res = None
    return (time.perf_counter() - started) * 1000, res


def run_baseline(client: httpx.Client, users: int, keys, make_token) -> list[float]:
    """``users`` threads at once, each ``GET /api/health`` three times; latencies (ms)."""
    barrier = threading.Barrier(users)

    def one(_: int) -> list[float]:
        barrier.wait(60)
        return [_timed(lambda: client.get("/api/health"))[0] for _ in range(3)]

    with ThreadPoolExecutor(users) as pool:
        return [ms for out in pool.map(one, range(users)) for ms in out]


def run_load(client: httpx.Client, users: int, models: list[str], keys, make_token, bound_s: float) -> dict:
    """The M6 scenario, ``users`` virtual users at once (see the module docstring)."""
    tokens = [make_token(keys, f"load-{i}-{uuid.uuid4().hex[:6]}") for i in range(users)]
    barrier = threading.Barrier(users)
    out: dict = {"browse": [], "detail": [], "generate": [], "errors": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + bound_s

    def one(i: int) -> None:
        auth = {"Authorization": f"Bearer {tokens[i]}"}
        barrier.wait(60)
        steps = [
            ("browse", lambda: client.get("/api/models/", params={"sort": "popular"}, headers=auth)),
            ("detail", lambda: client.get(f"/api/models/{random.choice(models)}", headers=auth)),
            ("generate", lambda: client.post("/api/images/generate", headers=auth, json={
                "style_id": random.choice(models), "prompt_tags": ["bench", "load"], "aspect_ratio": "1:1"})),
        ]
        for name, call in steps:
            if time.monotonic() > deadline:
                with lock:
                    out["errors"] += 1
                continue
            ms, res = _timed(call)
            with lock:
                out[name].append(ms)
                if res is None or res.status_code not in (200, 201):
                    out["errors"] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(users) as pool:
        list(pool.map(one, range(users)))
    out["wall_s"] = time.monotonic() - started
    return out


def run_serial(client: httpx.Client, models: list[str], keys, make_token, rounds: int = 20) -> list[float]:
    """The scenario by one user after another (no concurrency): each request's own cost."""
    out: list[float] = []
    for i in range(rounds):
        auth = {"Authorization": f"Bearer {make_token(keys, f'serial-{i}-{uuid.uuid4().hex[:6]}')}"}
        out.append(_timed(lambda: client.get("/api/models/", params={"sort": "popular"}, headers=auth))[0])
        out.append(_timed(lambda: client.get(f"/api/models/{random.choice(models)}", headers=auth))[0])
        out.append(_timed(lambda: client.post("/api/images/generate", headers=auth, json={
            "style_id": random.choice(models), "prompt_tags": ["bench"], "aspect_ratio": "1:1"}))[0])
    return out


def run_feed(client: httpx.Client, url: str, images: int, keys, make_token) -> dict:
    """The feed read by one reader: every page newest first, the first pages most liked this week;
    and its query alone on the database."""
    auth = {"Authorization": f"Bearer {make_token(keys, f'reader-{uuid.uuid4().hex[:6]}')}"}
    out: dict = {"newest": [], "liked": [], "sql": [], "errors": 0}
    client.get("/api/community/feed", headers=auth)  # warm its execution environment
    cursor = None
    while True:
        ms, res = _timed(lambda: client.get("/api/community/feed", headers=auth,
                                            params={"cursor": cursor} if cursor else None))
        out["newest"].append(ms)
        if res is None or res.status_code != 200:
            out["errors"] += 1
            break
        cursor = res.json()["data"]["next_cursor"]
        if not cursor:
            break
    cursor = None
    for _ in range(10):
        ms, res = _timed(lambda: client.get("/api/community/feed", headers=auth, params={
            "sort": "most_liked", "period": "week", **({"cursor": cursor} if cursor else {})}))
        out["liked"].append(ms)
        if res is None or res.status_code != 200:
            out["errors"] += 1
            break
        cursor = res.json()["data"]["next_cursor"]
    from styles.community import repository

    viewer = uuid.uuid4()
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        after = None
        for _ in range(images // 20):
            started = time.perf_counter()
            rows = repository.feed(conn, viewer=viewer, sort="newest", since=None, after=after, limit=21)
            out["sql"].append((time.perf_counter() - started) * 1000)
            if len(rows) < 21:
                break
            after = (rows[19]["created_at"], rows[19]["id"])
    return out


if __name__ == "__main__":
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    raise SystemExit(main())
