"""Audio through the real pipeline: presigned POST → S3 (emulator) → SQS → audio processor →
song ready with the file's duration and BPM, or rejected with a reason; duplicates do nothing."""

from __future__ import annotations

from pathlib import Path

import boto3
import httpx
import pytest

from backlot import db
from tests.integration.music.conftest import ADMIN, SONGS, MusicApi, QueueDriver
from tests.unit.music.samples import mp3, wav

pytestmark = pytest.mark.integration


def upload(api: MusicApi, data: bytes, content_type: str = "audio/mpeg", title: str = "Upload") -> dict:
    song = api.song(title, [0.4, 0.5, 0.6, 0.2, 0.3])
    ask = api.post(f"/api/songs/{song['id']}/upload/", {"content_type": content_type, "size_bytes": len(data)}, user="root", groups=ADMIN)
    assert ask.status == 201, ask.body
    assert ask.body["song"]["status"] == "processing"
    target = ask.body["upload"]
    res = httpx.post(target["url"], data=target["fields"], files={"file": ("whatever.mp3", data, content_type)})
    assert res.status_code in (200, 201, 204), res.text
    return ask.body["song"]


def song(api: MusicApi, song_id: str) -> dict:
    return api.get(f"/api/songs/{song_id}/", user="root", groups=ADMIN).body


def test_mp3_and_wav_become_ready_with_duration_and_bpm(api: MusicApi, audio_queue: QueueDriver) -> None:
    a = upload(api, mp3(12.0, bpm="124"), "audio/mpeg")
    b = upload(api, wav(4.0), "audio/wav")
    audio_queue.drain()
    ready_a, ready_b = song(api, a["id"]), song(api, b["id"])
    assert (ready_a["status"], ready_a["duration"], ready_a["bpm"], ready_a["mime_type"]) == ("ready", 12, 124, "audio/mp3")
    assert (ready_b["status"], ready_b["duration"], ready_b["bpm"]) == ("ready", 4, None)
    assert httpx.get(ready_a["file_url"]).content == mp3(12.0, bpm="124")
    # a ready song takes no second upload
    again = api.post(f"/api/songs/{a['id']}/upload/", {"content_type": "audio/mpeg", "size_bytes": 10}, user="root", groups=ADMIN)
    assert again.status == 409 and again.body["code"] == "song_has_audio"


def test_not_audio_is_rejected_with_a_reason_and_deleted(api: MusicApi, audio_queue: QueueDriver, shared_data: Path) -> None:
    photo = (shared_data / "images" / "orientation" / "Landscape_1.jpg").read_bytes()
    cases = {"photo": upload(api, photo, "audio/mpeg"), "pdf": upload(api, b"%PDF-1.4 nothing to hear", "audio/mpeg"),
             "short": upload(api, wav(0.2), "audio/wav")}
    audio_queue.drain()
    for name, created in cases.items():
        row = song(api, created["id"])
        assert row["status"] == "rejected" and row["reason"] and row["file_url"] is None, (name, row)
    assert song(api, cases["photo"]["id"])["reason_code"] == "not_audio"
    assert song(api, cases["short"]["id"])["reason_code"] == "too_short"
    keys = boto3.client("s3").list_objects_v2(Bucket=SONGS, Prefix=f"uploads/{cases['pdf']['id']}/").get("KeyCount")
    assert keys == 0
    assert audio_queue.receive(wait=0) == []
    # a rejected song may try again with a real file
    retry = api.post(f"/api/songs/{cases['pdf']['id']}/upload/", {"content_type": "audio/wav", "size_bytes": 100}, user="root", groups=ADMIN)
    assert retry.status == 201 and retry.body["song"]["status"] == "processing" and retry.body["song"]["reason"] is None


def test_same_event_twice_does_the_work_once(api: MusicApi, audio_queue: QueueDriver) -> None:
    created = upload(api, wav(3.0, bpm="100"), "audio/wav")
    messages = audio_queue.receive()
    assert len(messages) == 1
    first = audio_queue.deliver(messages)
    ready = song(api, created["id"])
    second = audio_queue.deliver(messages)
    assert first["batchItemFailures"] == [] and second["batchItemFailures"] == []
    assert ready["status"] == "ready" and song(api, created["id"])["processed_at"] == ready["processed_at"]


def test_malformed_message_fails_only_its_record(api: MusicApi, audio_queue: QueueDriver, music_env: dict) -> None:
    created = upload(api, wav(2.0), "audio/wav")
    real = audio_queue.receive()
    boto3.client("sqs").send_message(QueueUrl=music_env["queue_url"], MessageBody="not an S3 event")
    bad = audio_queue.receive()
    result = audio_queue.deliver(real + bad)
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == [bad[0]["MessageId"]]
    assert song(api, created["id"])["status"] == "ready"


def test_upload_requests_are_bounded(api: MusicApi) -> None:
    target = api.song("bounded", [1, 0, 0, 0, 0])
    too_big = api.post(f"/api/songs/{target['id']}/upload/", {"content_type": "audio/mpeg", "size_bytes": 10**12}, user="root", groups=ADMIN)
    assert too_big.status == 413
    not_audio = api.post(f"/api/songs/{target['id']}/upload/", {"content_type": "image/jpeg", "size_bytes": 100}, user="root", groups=ADMIN)
    assert not_audio.status == 422
    listener = api.post(f"/api/songs/{target['id']}/upload/", {"content_type": "audio/mpeg", "size_bytes": 100}, user="nobody")
    assert listener.status == 403
    assert db.connection().execute("SELECT status FROM music.songs WHERE id = %s", (target["id"],)).fetchone()["status"] == "awaiting_upload"
