"""Migrations that survive a real deploy, on real PostgreSQL: concurrent product stacks wait for
each other's lock, a database that is not up yet is retried until it is, a stale lock left by a
killed function is cleared, and the lock is never waited for past the deadline."""

from __future__ import annotations

import multiprocessing
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from yoyo.exceptions import LockTimeout

from backlot import migrations

pytestmark = pytest.mark.integration

PRODUCTS = ["family", "music", "movies", "wellness", "styles"]


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


@pytest.fixture()
def fresh_url(database_url: str) -> Iterator[str]:
    """An empty database on the same server, dropped afterwards."""
    name = f"backlot_mig_{uuid.uuid4().hex[:8]}"
    admin_url = _with_database(database_url, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(database_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _applied_ids(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return sorted(r[0] for r in conn.execute("SELECT migration_id FROM _yoyo_migration"))


def _all_ids() -> list[str]:
    from yoyo import read_migrations

    return sorted(m.id for m in read_migrations(*[str(d) for d in migrations.migration_dirs(PRODUCTS)]))


def _apply_in_process(url: str, products: list[str], out: "multiprocessing.Queue[object]") -> None:
    try:
        out.put(migrations.apply(url, products, deadline=time.monotonic() + 120))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        out.put(exc)


def test_concurrent_product_migrations_wait_for_each_other_and_both_succeed(fresh_url: str) -> None:
    """Two product stacks migrate at once against one database (two processes, so two pids, as
    two Lambda execution environments): each applies the platform's migrations and its own, no
    migration is applied twice, and each ends with its role granted."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_apply_in_process, args=(fresh_url, products, out)) for products in (["family", "styles"], ["music", "movies", "wellness"])]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert not [r for r in results if isinstance(r, Exception)], results
    applied = sorted(i for r in results for i in r)
    assert applied == _all_ids(), "every migration applied exactly once"
    with psycopg.connect(fresh_url) as conn:
        granted = conn.execute(
            "SELECT has_table_privilege('backlot_family', 'family.households', 'SELECT'),"
            " has_table_privilege('backlot_movies', 'movies.sessions', 'INSERT')"
        ).fetchone()
    assert granted == (True, True)


def test_a_migration_started_while_another_holds_the_lock_waits_and_succeeds(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yoyo.backends import DatabaseBackend

    timeouts: list[float] = []
    real_lock = DatabaseBackend.lock

    def recording_lock(self: DatabaseBackend, timeout: float = 10):  # type: ignore[no-untyped-def]
        timeouts.append(timeout)
        return real_lock(self, timeout)

    holder = migrations.connect_backend(fresh_url)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with holder.lock(timeout=5):
            held.set()
            release.wait(timeout=30)

    t = threading.Thread(target=hold)
    t.start()
    assert held.wait(timeout=10)
    threading.Timer(2.0, release.set).start()  # more than yoyo's 0.5 s poll, well under the deadline
    monkeypatch.setattr(DatabaseBackend, "lock", recording_lock)
    started = time.monotonic()
    try:
        applied = migrations.apply(fresh_url, ["family"], deadline=time.monotonic() + 60)
    finally:
        release.set()
        t.join()
        holder.connection.close()
    assert time.monotonic() - started >= 1.5, "did not wait for the lock"
    assert timeouts and timeouts[0] > 50, "the lock must be waited for until the deadline, not yoyo's 10 s"
    assert applied and sorted(applied) == _applied_ids(fresh_url)


def test_the_lock_is_not_waited_for_past_the_deadline(fresh_url: str) -> None:
    holder = migrations.connect_backend(fresh_url)
    try:
        with holder.lock(timeout=5):
            started = time.monotonic()
            with pytest.raises(LockTimeout):
                migrations.apply(fresh_url, ["family"], deadline=time.monotonic() + 1.5)
            assert time.monotonic() - started < 5
    finally:
        holder.connection.close()


def test_a_lock_left_by_a_killed_function_is_cleared(fresh_url: str) -> None:
    """yoyo's lock is a row: a function stopped at its timeout while holding it leaves it behind.
    A row older than Lambda's longest timeout has no live owner."""
    holder = migrations.connect_backend(fresh_url)
    holder.connection.execute(
        "INSERT INTO yoyo_lock (locked, ctime, pid) VALUES (1, (now() AT TIME ZONE 'UTC') - interval '16 minutes', 4242)"
    )
    holder.connection.close()
    started = time.monotonic()
    assert migrations.apply(fresh_url, ["family"], deadline=time.monotonic() + 30)
    assert time.monotonic() - started < 10
    with psycopg.connect(fresh_url) as conn:
        assert conn.execute("SELECT count(*) FROM yoyo_lock").fetchone() == (0,)


class LateProxy:
    """A TCP proxy on loopback to the PostgreSQL server, listening only from ``start()`` on: until
    then its port refuses connections, as RDS Proxy does before its target is available."""

    def __init__(self, target_url: str):
        with psycopg.connect(target_url) as conn:
            host, port = conn.info.host, conn.info.port
        self.target = (socket.AF_UNIX, f"{host}/.s.PGSQL.{port}") if host.startswith("/") else (socket.AF_INET, (host, port))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._server: socket.socket | None = None
        self._stop = threading.Event()

    def url(self, target_url: str) -> str:
        parts = urlsplit(target_url)
        return urlunsplit(parts._replace(netloc=f"{parts.username or 'postgres'}@127.0.0.1:{self.port}", query=""))

    def start(self) -> None:
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._server.settimeout(0.2)
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:  # closed by stop()
                return
            upstream = socket.socket(self.target[0], socket.SOCK_STREAM)
            upstream.connect(self.target[1])
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._thread.join(timeout=5)
            self._server.close()


def test_a_database_that_refuses_connections_at_first_is_retried(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = LateProxy(fresh_url)
    attempts: list[float] = []
    real = migrations.get_backend

    def counting(url: str):  # type: ignore[no-untyped-def]
        attempts.append(time.monotonic())
        return real(url)

    monkeypatch.setattr(migrations, "get_backend", counting)
    monkeypatch.setattr(migrations, "BACKOFF_BASE_S", 0.2)
    threading.Timer(1.5, proxy.start).start()
    try:
        applied = migrations.apply(proxy.url(fresh_url), ["family"], deadline=time.monotonic() + 30)
    finally:
        proxy.stop()
    assert len(attempts) >= 3, f"expected refused attempts before the proxy started, got {len(attempts)}"
    assert attempts[-1] - attempts[0] >= 1.4
    assert sorted(applied) == _applied_ids(fresh_url)


def test_a_database_that_never_answers_fails_at_the_deadline_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: connections are refused
    monkeypatch.setattr(migrations, "BACKOFF_BASE_S", 0.1)
    started = time.monotonic()
    with pytest.raises(migrations.DatabaseUnavailable, match=r"database at 127\.0\.0\.1 not reachable after \d+ attempts"):
        migrations.apply(f"postgresql://postgres@127.0.0.1:{port}/x", ["family"], deadline=time.monotonic() + 1.5)
    assert 1.4 <= time.monotonic() - started < 4
