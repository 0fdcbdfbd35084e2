"""Exports through a presigned POST: S3 (emulator) -> bucket notification -> SQS -> parse function.
The session goes processing -> completed, or failed with its reason; the raw upload is deleted."""

from __future__ import annotations

from pathlib import Path

import boto3
import httpx
import pytest

from tests.integration.movies.conftest import EXPORTS, MoviesApi, export_zip
from tests.integration.movies.expected import expected
from tests.integration.movies.test_api import SMALL, zip_bomb
from tests.support.clients import QueueDriver

pytestmark = pytest.mark.integration


def presigned_upload(api: MoviesApi, data: bytes, *, filename: str = "export.zip", content_type: str = "application/zip") -> str:
    ask = api.post("/api/uploads", {"filename": filename, "content_type": content_type, "size_bytes": len(data)})
    assert ask.status == 201, ask.body
    assert ask.body["status"] == "processing" and ask.body["total_movies"] == 0
    upload = ask.body["upload"]
    res = httpx.post(upload["url"], data=upload["fields"], files={"file": (filename, data, content_type)})
    assert res.status_code in (200, 201, 204), res.text
    return ask.body["session_id"]


def leftover_uploads(session: str) -> int:
    return boto3.client("s3").list_objects_v2(Bucket=EXPORTS, Prefix=f"exports/{session}/").get("KeyCount", 0)


def test_presigned_zip_is_parsed_and_deleted(api: MoviesApi, parse_queue: QueueDriver, letterboxd: Path) -> None:
    want = expected(letterboxd)
    session = presigned_upload(api, export_zip(letterboxd))
    waiting = api.get(f"/api/session/{session}/status").body
    assert waiting["status"] == "processing" and waiting["progress"]["stage"] == "awaiting_upload"
    messages = parse_queue.receive()
    assert len(messages) == 1
    first = parse_queue.deliver(messages)
    second = parse_queue.deliver(messages)  # the same S3 event again changes nothing
    assert first["batchItemFailures"] == [] and second["batchItemFailures"] == []
    status = api.get(f"/api/session/{session}/status").body
    assert status["status"] == "completed" and status["total_movies"] == want["films"], status
    stats = api.get(f"/api/session/{session}/stats").body
    assert (stats["overview"]["viewings"], stats["overview"]["rewatches"]) == (want["viewings"], want["rewatches"])
    assert leftover_uploads(session) == 0  # no raw upload is kept


def test_presigned_single_csv(api: MoviesApi, parse_queue: QueueDriver) -> None:
    session = presigned_upload(api, SMALL, filename="diary.csv", content_type="text/csv")
    parse_queue.drain()
    assert api.get(f"/api/session/{session}/status").body["total_movies"] == 2


@pytest.mark.parametrize(("data", "code"), [
    (zip_bomb(), "zip_bomb"),
    (b"\x00" * 2048, "not_text"),
    (b"", None),
    (b"Title,Artist\nx,y\n", "not_letterboxd"),
])
def test_presigned_hostile_upload_fails_the_session_with_its_reason(api: MoviesApi, parse_queue: QueueDriver,
                                                                    data: bytes, code: str | None) -> None:
    bystander = api.upload([("diary.csv", SMALL)]).body["session_id"]
    if not data:  # S3's policy refuses an empty body (content-length-range starts at 1); nothing to parse
        ask = api.post("/api/uploads", {"filename": "x.zip", "content_type": "application/zip", "size_bytes": 0})
        assert ask.status == 422
        return
    session = presigned_upload(api, data, filename="diary.csv" if code == "not_text" else "export.zip")
    parse_queue.drain()
    status = api.get(f"/api/session/{session}/status").body
    assert status["status"] == "failed" and status["code"] == code and status["reason"], status
    assert leftover_uploads(session) == 0
    assert api.get(f"/api/session/{bystander}/status").body["status"] == "completed"


def test_presigned_size_and_type_are_bounded(api: MoviesApi) -> None:
    too_big = api.post("/api/uploads", {"content_type": "application/zip", "size_bytes": 10**10})
    assert too_big.status == 413 and too_big.body["code"] == "export_too_large"
    wrong = api.post("/api/uploads", {"content_type": "image/png", "size_bytes": 100})
    assert wrong.status == 415
    assert api.post("/api/uploads", {"content_type": "application/zip", "size_bytes": 100, "extra": 1}).status == 422


def test_a_parse_that_keeps_failing_fails_the_session_and_reaches_the_dlq(api: MoviesApi, parse_queue: QueueDriver,
                                                                         movies_env: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from movies import service

    def broken(*args, **kwargs):
        raise ConnectionError("database unreachable (injected)")

    monkeypatch.setattr(service, "_store", broken)
    sqs = boto3.client("sqs")
    sqs.purge_queue(QueueUrl=movies_env["exports_dlq"])
    session = presigned_upload(api, SMALL, filename="diary.csv", content_type="text/csv")
    assert api.get(f"/api/session/{session}/status").body["status"] == "processing"
    deadline = time.monotonic() + 30
    while api.get(f"/api/session/{session}/status").body["status"] == "processing" and time.monotonic() < deadline:
        parse_queue.drain()  # redelivered after the 1 s visibility timeout, until maxReceiveCount 3
        time.sleep(1.1)
    status = api.get(f"/api/session/{session}/status").body
    assert status["status"] == "failed" and status["code"] == "processing_failed", status
    assert leftover_uploads(session) == 0
    time.sleep(1.1)
    parse_queue.drain()
    assert sqs.receive_message(QueueUrl=movies_env["exports_dlq"], WaitTimeSeconds=1).get("Messages")


def test_a_reused_form_changes_nothing_and_its_object_is_deleted_at_once(api: MoviesApi, parse_queue: QueueDriver) -> None:
    """Issue 9 item 5: the presigned form stays valid after the parse; submitting it again must
    neither re-parse nor leave an object behind. The policy bounds the declared size."""
    import base64
    import json

    ask = api.post("/api/uploads", {"filename": "diary.csv", "content_type": "text/csv", "size_bytes": len(SMALL)})
    upload = ask.body["upload"]
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))
    assert ["content-length-range", 1, len(SMALL)] in policy["conditions"]
    session = ask.body["session_id"]
    assert httpx.post(upload["url"], data=upload["fields"], files={"file": ("diary.csv", SMALL, "text/csv")}).status_code == 204
    parse_queue.drain()
    done = api.get(f"/api/session/{session}/status").body
    other = SMALL.replace(b"\n", b"\n", 1)[: len(SMALL) - 1]
    assert httpx.post(upload["url"], data=upload["fields"], files={"file": ("diary.csv", other, "text/csv")}).status_code == 204
    parse_queue.drain()
    assert api.get(f"/api/session/{session}/status").body == done
    assert leftover_uploads(session) == 0
