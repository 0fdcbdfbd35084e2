"""Enrichment failures carry their reason (issue 9 item 6): per film (``enrichment_reason``), per
session (``enrichment_reasons`` counts in the status and details), and in the log with the
session id. Tried with the fake TMDB made unreachable and answering 503. Fails on the main
before issue 9 (no reason anywhere, nothing logged)."""

from __future__ import annotations

import socket
from typing import Any

import boto3
import pytest

from tests.integration.movies.conftest import MoviesApi
from tests.integration.movies.test_enrichment import WATCHED, catalogue, films
from tests.support.fake_tmdb import FakeTmdb

pytestmark = pytest.mark.integration


class RecordingLogger:
    """Stands in for the Powertools logger: keeps what was logged, with its ``extra`` keys."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str, dict[str, Any]]] = []

    def _log(self, level: str, msg: str, *args: Any, extra: dict[str, Any] | None = None, **kw: Any) -> None:
        self.lines.append((level, msg, extra or {}))

    def info(self, msg: str, *a: Any, **kw: Any) -> None:
        self._log("info", msg, *a, **kw)

    def warning(self, msg: str, *a: Any, **kw: Any) -> None:
        self._log("warning", msg, *a, **kw)

    def exception(self, msg: str, *a: Any, **kw: Any) -> None:
        self._log("error", msg, *a, **kw)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _enrich_finally(api: MoviesApi, movies_env: dict, monkeypatch: pytest.MonkeyPatch) -> tuple[str, RecordingLogger]:
    """Upload WATCHED, then run its enrichment as the queue's last delivery would."""
    from backlot import db
    from movies import repository, service

    log = RecordingLogger()
    monkeypatch.setattr(service, "logger", log)
    res = api.upload([("watched.csv", WATCHED)])
    assert res.status == 201 and res.body["status"] == "enriching", res.body
    session = res.body["session_id"]
    sqs = boto3.client("sqs")  # this test delivers by hand: take the queued jobs away
    while msgs := sqs.receive_message(QueueUrl=movies_env["enrich_url"], MaxNumberOfMessages=10).get("Messages"):
        for m in msgs:
            sqs.delete_message(QueueUrl=movies_env["enrich_url"], ReceiptHandle=m["ReceiptHandle"])
    from uuid import UUID

    ids = repository.film_ids_in_order(db.connection(), UUID(session))
    with pytest.raises(service.EnrichmentIncomplete):
        service.enrich_batch(UUID(session), ids, receive_count=service.get_settings().enrich_max_receives)
    return session, log


def test_unreachable_tmdb_is_recorded_logged_and_shown(api: MoviesApi, tmdb: FakeTmdb, movies_env: dict,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from movies.settings import get_settings

    monkeypatch.setenv("TMDB_BASE_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("TMDB_RETRIES", "0")
    get_settings.cache_clear()
    session, log = _enrich_finally(api, movies_env, monkeypatch)
    status = api.get(f"/api/session/{session}/status").body
    assert status["status"] == "completed"
    # the case: 5 films failed, the session "done"; the two same-title films need no TMDB to be ambiguous
    assert status["enrichment_reasons"] == {"ambiguous": 2, "tmdb_unreachable": 5}, status
    details = api.get(f"/api/session/{session}").body
    assert details["enrichment"]["reasons"] == status["enrichment_reasons"]
    for (name, _), rows in films(api, session).items():
        if name != "The Haunted Castle":
            assert all(m["enrichment_status"] == "failed" and m["enrichment_reason"] == "tmdb_unreachable" for m in rows)
    warnings = [(msg, extra) for level, msg, extra in log.lines if level == "warning"]
    assert any(extra.get("session_id") == session and extra.get("reason") == "tmdb_unreachable" for _, extra in warnings), warnings
    assert any(extra.get("session_id") == session and extra.get("reasons") == status["enrichment_reasons"]
               for _, extra in warnings), warnings


def test_http_503_and_not_found_are_told_apart(api: MoviesApi, tmdb: FakeTmdb, movies_env: dict,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from movies.settings import get_settings

    monkeypatch.setenv("TMDB_RETRIES", "0")
    get_settings.cache_clear()
    catalogue(tmdb)
    tmdb.fail_titles.add("Le Samouraï")
    tmdb.fail_status = 503
    session, _ = _enrich_finally(api, movies_env, monkeypatch)
    status = api.get(f"/api/session/{session}/status").body
    assert status["status"] == "completed"
    reasons = status["enrichment_reasons"]
    assert reasons["tmdb_http_503"] == 1 and reasons["not_found"] == 1 and reasons["ambiguous"] == 3, reasons
    got = films(api, session)
    assert got[("Le Samouraï", 1967)][0]["enrichment_reason"] == "tmdb_http_503"
    assert got[("Nowhere To Be Found At All", 2003)][0]["enrichment_reason"] == "not_found"
    assert got[("Dune", 1984)][0]["enrichment_reason"] is None and got[("Dune", 1984)][0]["enrichment_status"] == "matched"


def test_enrichment_that_could_not_be_queued_says_so(api: MoviesApi, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch) -> None:
    from movies import service

    def refused(session_id: object) -> int:
        raise RuntimeError("SQS refused")

    monkeypatch.setattr(service, "enqueue_enrichment", refused)
    res = api.upload([("watched.csv", WATCHED)])
    assert res.status == 201 and res.body["status"] == "completed", res.body
    status = api.get(f"/api/session/{res.body['session_id']}/status").body
    assert status["enrichment"] == "skipped" and status["enrichment_reasons"] == {"enrichment_not_queued": 7}, status
