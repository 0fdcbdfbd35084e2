"""The migration function as CloudFormation calls it: a custom resource event whose ResponseURL is
a local HTTP server, so every answer (or its absence) is seen. CloudFormation waits an hour for a
custom resource that never answers; the function must answer, SUCCESS or FAILED with a reason,
before its own timeout."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from backlot import migrate_handler, settings

pytestmark = pytest.mark.integration


class Context:
    """A Lambda context whose invocation ends ``budget_s`` after it is made."""

    function_name = "family-migrate"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:family-migrate"
    aws_request_id = "11111111-1111-1111-1111-111111111111"

    def __init__(self, budget_s: float):
        self._ends = time.monotonic() + budget_s

    def get_remaining_time_in_millis(self) -> int:
        return int((self._ends - time.monotonic()) * 1000)


@pytest.fixture()
def cloudformation() -> Iterator[dict[str, Any]]:
    """A local stand-in for the pre-signed S3 URL CloudFormation gives: records each PUT."""
    answers: list[dict[str, Any]] = []
    arrived = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"]))
            answers.append(json.loads(body) | {"_at": time.monotonic()})
            arrived.set()
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_port}/answer", "answers": answers, "arrived": arrived}
    finally:
        server.shutdown()
        server.server_close()


def event(url: str, request_type: str = "Create") -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/backlot-dev-family/guid",
        "RequestId": "req-1",
        "LogicalResourceId": "Migration",
        "ResourceType": "Custom::Migration",
        "ResourceProperties": {"ServiceToken": "arn:aws:lambda:...", "MigrationsDigest": "abc"},
    }


@pytest.fixture()
def short_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scale the margins to a test: work stops 1.5 s before the end, the watchdog 0.9 s before."""
    monkeypatch.setattr(migrate_handler, "ANSWER_MARGIN_S", 1.5)
    monkeypatch.setattr(migrate_handler, "WATCHDOG_GRACE_S", 0.6)
    monkeypatch.setattr(migrate_handler, "RESPONSE_TIMEOUT_S", 0.5)
    monkeypatch.setattr(migrate_handler.migrations, "BACKOFF_BASE_S", 0.1)


def _use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    settings.get_settings.cache_clear()


def test_an_unreachable_database_is_answered_failed_with_the_reason_before_the_timeout(
    cloudformation: dict[str, Any], short_deadline: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens: every attempt is refused
    _use_database(monkeypatch, f"postgresql://postgres@127.0.0.1:{port}/backlot")
    context = Context(budget_s=3.5)
    try:
        out = migrate_handler.make_handler("family")(event(cloudformation["url"]), context)
    finally:
        settings.get_settings.cache_clear()
    [answer] = cloudformation["answers"]
    assert answer["Status"] == "FAILED"
    assert "DatabaseUnavailable" in answer["Reason"] and "not reachable after" in answer["Reason"], answer["Reason"]
    assert answer["RequestId"] == "req-1" and answer["LogicalResourceId"] == "Migration" and answer["StackId"]
    assert context.get_remaining_time_in_millis() > 0, "answered after the function would have been stopped"
    assert out["applied"] == [] and "not reachable" in out["error"]


def test_work_stuck_past_the_deadline_is_answered_failed_by_the_watchdog(
    cloudformation: dict[str, Any], short_deadline: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    stuck = threading.Event()

    def hang(*args: Any, **kwargs: Any) -> list[str]:
        stuck.wait(timeout=30)  # e.g. a DDL statement waiting on a lock, a hung socket
        return []

    monkeypatch.setattr(migrate_handler.migrations, "apply", hang)
    _use_database(monkeypatch, "postgresql://postgres@127.0.0.1:1/backlot")
    context = Context(budget_s=2.5)
    runner = threading.Thread(target=migrate_handler.make_handler("family"), args=(event(cloudformation["url"]), context))
    runner.start()
    try:
        assert cloudformation["arrived"].wait(timeout=5)
        remaining_at_answer = cloudformation["answers"][0]["_at"]
        assert context._ends - remaining_at_answer > 0.5  # noqa: SLF001 - time left when answered
    finally:
        stuck.set()
        runner.join(timeout=10)
        settings.get_settings.cache_clear()
    assert [a["Status"] for a in cloudformation["answers"]] == ["FAILED"], "one answer only"
    assert "still running" in cloudformation["answers"][0]["Reason"]


def test_a_delete_is_answered_success_without_touching_the_database(
    cloudformation: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrate_handler.migrations, "apply", lambda *a, **k: pytest.fail("migrated on delete"))
    _use_database(monkeypatch, "postgresql://postgres@127.0.0.1:1/backlot")
    try:
        migrate_handler.make_handler("family")(event(cloudformation["url"], "Delete") | {"PhysicalResourceId": "p-1"}, Context(10))
    finally:
        settings.get_settings.cache_clear()
    [answer] = cloudformation["answers"]
    assert answer["Status"] == "SUCCESS" and answer["PhysicalResourceId"] == "p-1"


def test_a_create_migrates_grants_and_answers_success(
    database_url: str, cloudformation: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Against the real database (already migrated by the session): nothing new to apply, the
    role's grants are refreshed, and CloudFormation hears SUCCESS."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute("REVOKE SELECT ON family.households FROM backlot_family")
        out = migrate_handler.make_handler("family")(event(cloudformation["url"]), Context(60))
        granted = admin.execute("SELECT has_table_privilege('backlot_family', 'family.households', 'SELECT')").fetchone()
    [answer] = cloudformation["answers"]
    assert answer["Status"] == "SUCCESS" and out == {"applied": []}
    assert answer["Data"] == {"Applied": ""}
    assert granted == (True,)
