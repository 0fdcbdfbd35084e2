"""The database connection as Lambda and RDS Proxy need it, without a server: one connection per
execution environment across HTTP invocations (whose routes run in worker threads), and a
rotated secret picked up on the next connection."""

from __future__ import annotations

import os
import threading
from typing import Any

import psycopg
import pytest
from fastapi import APIRouter

from backlot import db
from tests.support.apigw import LambdaContext, http_event

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")


class FakeConnection:
    """Enough of a psycopg connection for ``db.connection()``."""

    def __init__(self, **info: Any):
        self.info = info
        self.closed = False
        self.broken = False

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        class _Cursor:
            def fetchone(self) -> None:
                return None

        return _Cursor()

    def close(self) -> None:
        self.closed = True


@pytest.fixture()
def fake_connect(monkeypatch: pytest.MonkeyPatch) -> list[FakeConnection]:
    opened: list[FakeConnection] = []

    def connect() -> FakeConnection:
        opened.append(FakeConnection())
        return opened[-1]

    monkeypatch.setattr(db, "connect", connect)
    if hasattr(db, "_Slot"):  # a fresh execution environment
        monkeypatch.setattr(db, "_environment_slot", db._Slot())  # noqa: SLF001
    db.reset()
    yield opened
    db.reset()


def test_http_invocations_share_the_environments_connection(fake_connect: list[FakeConnection]) -> None:
    from backlot.http import create_app, lambda_handler

    seen: list[tuple[int, str]] = []
    router = APIRouter()

    @router.get("/probe")
    def probe() -> dict[str, str]:  # a sync route: FastAPI runs it in a worker thread
        seen.append((id(db.connection()), threading.current_thread().name))
        return {"ok": "yes"}

    handler = lambda_handler(create_app(title="probe", routers=[router]))
    for _ in range(4):
        out = handler(http_event("GET", "/probe"), LambdaContext())
        assert out["statusCode"] == 200, out
    assert len(fake_connect) == 1, "every invocation opened its own connection"
    assert len({conn for conn, _ in seen}) == 1


def test_sqs_invocations_share_the_environments_connection(fake_connect: list[FakeConnection]) -> None:
    from backlot.queues import sqs_lambda_handler

    conns: list[int] = []
    handler = sqs_lambda_handler(lambda record: conns.append(id(db.connection())))
    event = {"Records": [{"messageId": "m1", "receiptHandle": "r", "body": "{}", "attributes": {}, "messageAttributes": {},
                          "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:1:q",
                          "awsRegion": "us-east-1"}]}
    for _ in range(3):
        assert handler(event, LambdaContext()) == {"batchItemFailures": []}
    assert len(fake_connect) == 1 and len(set(conns)) == 1


def test_threads_outside_a_scope_never_share_a_connection(fake_connect: list[FakeConnection]) -> None:
    barrier = threading.Barrier(2)
    got: list[int] = []

    def work() -> None:
        barrier.wait(timeout=5)
        got.append(id(db.connection()))
        db.reset()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake_connect) == 2 and len(set(got)) == 2


def test_a_second_concurrent_scope_does_not_borrow_the_busy_connection(fake_connect: list[FakeConnection]) -> None:
    inside, release = threading.Event(), threading.Event()
    got: dict[str, int] = {}

    def first() -> None:
        with db.invocation_scope():
            got["first"] = id(db.connection())
            inside.set()
            release.wait(timeout=5)

    t = threading.Thread(target=first)
    t.start()
    assert inside.wait(timeout=5)
    try:
        with db.invocation_scope():
            got["second"] = id(db.connection())
            db.reset()
    finally:
        release.set()
    t.join()
    assert got["first"] != got["second"]


def test_a_rotated_secret_is_fetched_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """RDS Proxy authenticates with the secret; after a rotation the cached copy (5 minutes) is
    stale, and a new connection must not fail until the cache expires."""
    from aws_lambda_powertools.utilities import parameters

    from backlot import settings

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DB_HOST", "proxy.example")
    monkeypatch.setenv("DB_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:db")
    settings.get_settings.cache_clear()
    fetches: list[bool] = []

    def get_secret(name: str, *, transform: str, max_age: int, force_fetch: bool = False) -> dict[str, str]:
        fetches.append(force_fetch)
        return {"username": "app", "password": "new" if force_fetch else "old"}

    def connect(**kwargs: Any) -> FakeConnection:
        if kwargs["password"] != "new":
            raise psycopg.OperationalError("FATAL: password authentication failed for user \"app\"")
        return FakeConnection(**kwargs)

    monkeypatch.setattr(parameters, "get_secret", get_secret)
    monkeypatch.setattr(psycopg, "connect", connect)
    try:
        conn = db.connect()
        assert conn.info["password"] == "new" and conn.info["host"] == "proxy.example"
        assert fetches == [False, True]
    finally:
        settings.get_settings.cache_clear()


def test_an_unreachable_server_is_not_retried_with_the_same_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_lambda_powertools.utilities import parameters

    from backlot import settings

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DB_HOST", "proxy.example")
    monkeypatch.setenv("DB_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:db")
    settings.get_settings.cache_clear()
    attempts: list[dict[str, Any]] = []

    def connect(**kwargs: Any) -> FakeConnection:
        attempts.append(kwargs)
        raise psycopg.OperationalError("connection timeout expired")

    monkeypatch.setattr(parameters, "get_secret", lambda *a, **k: {"username": "app", "password": "same"})
    monkeypatch.setattr(psycopg, "connect", connect)
    try:
        with pytest.raises(psycopg.OperationalError):
            db.connect()
        assert len(attempts) == 1
    finally:
        settings.get_settings.cache_clear()
