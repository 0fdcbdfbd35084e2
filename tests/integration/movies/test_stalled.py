"""No session stays unfinished, whatever kills its deliveries (real PostgreSQL, the AWS emulator and
the fake TMDB; time is moved by ageing the session's timestamps in the database, never by sleeping):

- an enrich delivery against a slow TMDB returns its partial batch failure before the function's
  timeout instead of being killed;
- an ``enriching`` session with no progress for longer than the bound is completed, its pending
  films ``failed`` (``enrichment_timed_out``), when it is read and by the sweep;
- a presigned upload whose parse was killed is ``failed`` (``parse_timed_out``) past the bound, one
  never uploaded ``upload_not_received``;
- late messages after that change nothing.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from backlot import db
from movies.settings import get_settings
from tests.integration.movies.conftest import MoviesApi
from tests.integration.movies.test_api import SMALL
from tests.integration.movies.test_presigned import leftover_uploads, presigned_upload
from tests.support.apigw import LambdaContext
from tests.support.clients import QueueDriver, sqs_event
from tests.support.fake_tmdb import FakeTmdb

pytestmark = pytest.mark.integration

FILMS = 5
WATCHED = ("Date,Name,Year,Letterboxd URI\n" + "".join(
    f"2024-01-01,Stalled Film {i},{1990 + i},https://boxd.it/s{i}\n" for i in range(FILMS))).encode()


def settings() -> Any:
    return get_settings()


def age(session: str, seconds: float) -> None:
    """Move the session's clock ``seconds`` into the past: every timestamp of it and its films."""
    shift = {"s": session, "secs": seconds}
    conn = db.connection()
    conn.execute(
        """
        UPDATE movies.sessions
           SET created_at = created_at - make_interval(secs => %(secs)s),
               updated_at = updated_at - make_interval(secs => %(secs)s),
               parsed_at = parsed_at - make_interval(secs => %(secs)s),
               enqueued_at = enqueued_at - make_interval(secs => %(secs)s),
               parse_claimed_at = parse_claimed_at - make_interval(secs => %(secs)s)
         WHERE id = %(s)s
        """,
        shift,
    )
    conn.execute("UPDATE movies.films SET enriched_at = enriched_at - make_interval(secs => %(secs)s) WHERE session_id = %(s)s",
                 shift)


def stored(session: str) -> dict[str, Any]:
    """The session row as stored, read without going through the API (which would settle it)."""
    return db.connection().execute(
        "SELECT status, stage, failure_code, enrichment, enrichment_note, updated_at, completed_at, parse_claimed_at "
        "FROM movies.sessions WHERE id = %s", (session,)).fetchone()


def film_states(session: str) -> dict[str, tuple]:
    rows = db.connection().execute(
        "SELECT name, enrichment_status, enrichment_error, enrichment_attempts, tmdb_id FROM movies.films "
        "WHERE session_id = %s ORDER BY position", (session,)).fetchall()
    return {r["name"]: (r["enrichment_status"], r["enrichment_error"], r["enrichment_attempts"], r["tmdb_id"]) for r in rows}


@pytest.fixture()
def small_batches(monkeypatch: pytest.MonkeyPatch, tmdb: FakeTmdb) -> FakeTmdb:
    """Two films per enrichment message, so a session can be left half enriched."""
    monkeypatch.setenv("ENRICH_BATCH_SIZE", "2")
    get_settings.cache_clear()
    return tmdb


def half_enriched(api: MoviesApi, queue: QueueDriver) -> tuple[str, list[dict]]:
    """An uploaded session whose first message was delivered (2 films matched) and whose other
    messages were received and not yet delivered (in flight, as if their deliveries died)."""
    res = api.upload([("watched.csv", WATCHED)])
    assert res.status == 201 and res.body["status"] == "enriching", res.body
    session = res.body["session_id"]
    messages: list[dict] = []
    deadline = time.monotonic() + 10
    while len(messages) < 3 and time.monotonic() < deadline:
        messages += [m for m in queue.receive() if json.loads(m["Body"])["session_id"] == session]
    assert len(messages) == 3, messages
    first = next(m for m in messages if "Stalled Film 0" in film_names(session, m))
    assert queue.deliver([first])["batchItemFailures"] == []
    return session, [m for m in messages if m is not first]


def film_names(session: str, message: dict) -> list[str]:
    ids = json.loads(message["Body"])["film_ids"]
    return [r["name"] for r in db.connection().execute(
        "SELECT name FROM movies.films WHERE session_id = %s AND id = ANY(%s::uuid[])", (session, ids)).fetchall()]


# ---------------------------------------------------------------- 1. a delivery respects its deadline
class ShortContext(LambdaContext):
    """A Lambda context with 4 s left: the enrich deadline (jobs._deadline) is 3 s away."""

    def get_remaining_time_in_millis(self) -> int:
        return 4_000


def test_a_slow_tmdb_delivery_returns_before_the_timeout(api: MoviesApi, enrich_queue: QueueDriver, tmdb: FakeTmdb) -> None:
    from movies.jobs import enrich_handler

    session = api.upload([("watched.csv", WATCHED)]).body["session_id"]
    messages = enrich_queue.receive()
    assert len(messages) == 1
    tmdb.delay_s = 5.0  # every TMDB answer takes longer than an attempt may wait (TMDB_TIMEOUT_S 2)
    started = time.monotonic()
    result = enrich_handler(sqs_event(messages, enrich_queue.queue_arn), ShortContext())
    elapsed = time.monotonic() - started
    # one attempt (2 s); a retry would end after the 3 s deadline, so the film is given up and the
    # others are not started: the delivery is over well before the 4 s the function had
    assert elapsed < 3.5, elapsed
    assert result == {"batchItemFailures": [{"itemIdentifier": messages[0]["MessageId"]}]}
    states = film_states(session)
    assert {s[0] for s in states.values()} == {"pending"} and {s[2] for s in states.values()} == {1}, states
    assert states["Stalled Film 0"][1].startswith("out of time")
    assert len(tmdb.requests) == 1
    assert stored(session)["status"] == "enriching"  # redelivered later: nothing is lost

    # the queue's last delivery (maxReceiveCount 3), as slow: it too returns in time, and having
    # returned it gives the films up, so the session completes while the message goes to the DLQ
    last = [{**messages[0], "Attributes": {**messages[0].get("Attributes", {}), "ApproximateReceiveCount": "3"}}]
    started = time.monotonic()
    result = enrich_handler(sqs_event(last, enrich_queue.queue_arn), ShortContext())
    assert time.monotonic() - started < 3.5 and result["batchItemFailures"]
    status = api.get(f"/api/session/{session}/status").body
    assert status["status"] == "completed" and status["progress"]["films_failed"] == FILMS, status
    enrich_queue.sqs.delete_message(QueueUrl=enrich_queue.queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])


# ---------------------------------------------------------------- 2. stalled enrichment
def test_stalled_enrichment_is_completed_when_read_and_late_messages_change_nothing(
        api: MoviesApi, enrich_queue: QueueDriver, small_batches: FakeTmdb) -> None:
    session, late = half_enriched(api, enrich_queue)
    bound = settings().enrich_stall_seconds
    age(session, bound - 60)  # not yet past the bound: still enriching
    status = api.get(f"/api/session/{session}/status").body
    assert status["status"] == "enriching" and status["progress"]["films_pending"] == 3, status

    age(session, 120)  # now a minute past it
    status = api.get(f"/api/session/{session}/status").body
    assert status["status"] == "completed" and status["enrichment"] == "done", status
    assert status["progress"]["percent"] == 100
    assert (status["progress"]["films_total"], status["progress"]["films_matched"], status["progress"]["films_failed"],
            status["progress"]["films_pending"]) == (FILMS, 2, 3, 0)
    assert status["enrichment_note"] == \
        "enrichment_timed_out: 3 films got no TMDB data (enrichment made no progress for 51 minutes)", status
    states = film_states(session)
    assert [s[:2] for s in states.values()] == [("matched", None)] * 2 + [("failed", "enrichment_timed_out")] * 3
    for path in ("", "/movies", "/stats"):  # every read sees the same finished session
        assert api.get(f"/api/session/{session}{path}").body["status"] == "completed"
    before, requests = stored(session), len(small_batches.requests)

    # the messages whose deliveries "died" come back late: they find nothing to do
    assert enrich_queue.deliver(late)["batchItemFailures"] == []
    enrich_queue.drain()
    assert len(small_batches.requests) == requests  # no TMDB call for a finished session
    assert film_states(session) == states and stored(session) == before
    assert api.get(f"/api/session/{session}/status").body == status


def test_a_session_that_keeps_making_progress_is_not_timed_out(api: MoviesApi, enrich_queue: QueueDriver,
                                                              small_batches: FakeTmdb) -> None:
    session, late = half_enriched(api, enrich_queue)
    age(session, settings().enrich_stall_seconds + 600)  # parsed long ago...
    db.connection().execute("UPDATE movies.films SET enriched_at = now() - interval '5 minutes' "
                            "WHERE session_id = %s AND enrichment_status = 'matched'", (session,))  # ...but a film 5 min ago
    assert api.get(f"/api/session/{session}/status").body["status"] == "enriching"
    enrich_queue.deliver(late)
    status = api.get(f"/api/session/{session}/status").body
    assert status["status"] == "completed" and status["progress"]["films_matched"] == FILMS, status


def test_the_sweep_finishes_stalled_sessions_nobody_reads(api: MoviesApi, enrich_queue: QueueDriver, parse_queue: QueueDriver,
                                                         small_batches: FakeTmdb) -> None:
    from movies.jobs import settle_handler

    stalled, late = half_enriched(api, enrich_queue)
    fresh, fresh_late = half_enriched(api, enrich_queue)
    age(stalled, settings().enrich_stall_seconds + 60)
    never_uploaded = api.post("/api/uploads", {"content_type": "application/zip", "size_bytes": 100}).body["session_id"]
    age(never_uploaded, settings().presign_expiry_seconds + settings().parse_stall_seconds + 60)

    counts = settle_handler({"source": "aws.scheduler", "detail": "{}"}, LambdaContext())
    assert counts["enrichment_timed_out"] >= 1 and counts["parse_timed_out"] >= 1, counts
    row = stored(stalled)
    assert (row["status"], row["stage"], row["enrichment"]) == ("completed", "done", "done")
    assert row["enrichment_note"].startswith("enrichment_timed_out")
    assert [s[:2] for s in film_states(stalled).values()].count(("failed", "enrichment_timed_out")) == 3
    assert stored(fresh)["status"] == "enriching"  # progress a moment ago: left alone
    assert (stored(never_uploaded)["status"], stored(never_uploaded)["failure_code"]) == ("failed", "upload_not_received")
    status = api.get(f"/api/session/{never_uploaded}/status").body
    assert status["status"] == "failed" and status["code"] == "upload_not_received" and status["reason"], status

    settle_handler({}, LambdaContext())  # a second sweep leaves them as they are
    assert stored(stalled) == row
    enrich_queue.deliver(late + fresh_late)  # late messages of the stalled session, live ones of the fresh one
    assert stored(stalled) == row and stored(fresh)["status"] == "completed"
    progress = api.get(f"/api/session/{stalled}/status").body["progress"]
    assert (progress["films_matched"], progress["films_failed"], progress["films_pending"]) == (2, 3, 0)


# ---------------------------------------------------------------- 3. stalled parse
class Killed(BaseException):
    """What a Lambda timeout does to a delivery: nothing after it runs, no ``except Exception``."""


def test_a_killed_parse_fails_the_session_with_parse_timed_out(api: MoviesApi, parse_queue: QueueDriver,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from movies import service

    session = presigned_upload(api, SMALL, filename="diary.csv", content_type="text/csv")
    messages = parse_queue.receive()
    assert len(messages) == 1

    def killed(*args: Any, **kwargs: Any) -> None:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(service, "_store", killed)
        with pytest.raises(Killed):
            parse_queue.deliver(messages)
    row = stored(session)
    assert row["status"] == "processing" and row["stage"] == "parsing" and row["parse_claimed_at"] is not None

    s = settings()
    age(session, s.parse_lease_seconds + s.parse_stall_seconds - 60)  # the lease is out, the bound not yet
    assert api.get(f"/api/session/{session}/status").body["status"] == "processing"
    age(session, 120)
    status = api.get(f"/api/session/{session}/status").body
    assert status["status"] == "failed" and status["code"] == "parse_timed_out", status
    assert "1 attempts" in status["reason"] and status["progress"]["percent"] == 100
    details = api.get(f"/api/session/{session}").body
    assert details["failure"]["code"] == "parse_timed_out" and details["completed_at"]
    before = stored(session)

    # the S3 event comes back (redelivered after the killed delivery): nothing is parsed, the upload goes
    time.sleep(1.1)
    assert parse_queue.drain() >= 1
    assert stored(session) == before and leftover_uploads(session) == 0


def test_a_parse_released_after_an_error_still_times_out(api: MoviesApi, parse_queue: QueueDriver,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A delivery that failed cleanly releases its lease (``parse_claimed_at`` NULL); if the next
    deliveries never come (or die before claiming), the last claim still bounds the session."""
    from movies import service

    session = presigned_upload(api, SMALL, filename="diary.csv", content_type="text/csv")
    messages = parse_queue.receive()
    def broken(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("database unreachable (injected)")

    with monkeypatch.context() as patch:
        patch.setattr(service, "_store", broken)
        assert parse_queue.deliver(messages)["batchItemFailures"]
    assert stored(session)["parse_claimed_at"] is None
    parse_queue.sqs.delete_message(QueueUrl=parse_queue.queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])
    s = settings()
    age(session, s.parse_lease_seconds + s.parse_stall_seconds + 60)
    status = api.get(f"/api/session/{session}/status").body
    assert status["status"] == "failed" and status["code"] == "parse_timed_out", status


def test_a_presigned_upload_never_sent_is_not_received(api: MoviesApi) -> None:
    session = api.post("/api/uploads", {"content_type": "application/zip", "size_bytes": 100}).body["session_id"]
    s = settings()
    age(session, s.parse_stall_seconds + 60)  # the POST could still have been sent until it expired
    assert api.get(f"/api/session/{session}/status").body["status"] == "processing"
    age(session, s.presign_expiry_seconds)
    status = api.get(f"/api/session/{session}/movies").body
    assert status["status"] == "failed", status
    assert api.get(f"/api/session/{session}/status").body["code"] == "upload_not_received"
