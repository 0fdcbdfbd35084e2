"""One upload, one object (issue 9 item 5), for songs: the policy bounds the declared size, a
reused form cannot replace a ready song's audio, and an upload that never arrives is settled.
Each test fails on the main before issue 9."""

from __future__ import annotations

import base64
import json

import boto3
import httpx
import pytest

from backlot import db
from tests.integration.music.conftest import ADMIN, SONGS, MusicApi, QueueDriver
from tests.unit.music.samples import mp3, wav

pytestmark = pytest.mark.integration


def _ask(api: MusicApi, song_id: str, size: int, content_type: str = "audio/wav") -> dict:
    res = api.post(f"/api/songs/{song_id}/upload/", {"content_type": content_type, "size_bytes": size}, user="root", groups=ADMIN)
    assert res.status == 201, res.body
    return res.body


def _song(api: MusicApi, song_id: str) -> dict:
    return api.get(f"/api/songs/{song_id}/", user="root", groups=ADMIN).body


def _keys(prefix: str) -> list[str]:
    return [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=SONGS, Prefix=prefix).get("Contents") or []]


def test_policy_bounds_the_declared_size(api: MusicApi) -> None:
    song = api.song("declared", [0.1, 0.2, 0.3, 0.4, 0.5])
    target = _ask(api, song["id"], 1234)["upload"]
    policy = json.loads(base64.b64decode(target["fields"]["policy"]))
    ranges = [c for c in policy["conditions"] if isinstance(c, list) and c[0] == "content-length-range"]
    assert ranges == [["content-length-range", 1, 1234]] and target["max_bytes"] == 1234
    # every request gets its own key
    assert _ask(api, song["id"], 10)["upload"]["fields"]["key"] != target["fields"]["key"]


def test_reused_form_cannot_replace_a_ready_songs_audio(api: MusicApi, audio_queue: QueueDriver) -> None:
    good = wav(3.0, bpm="100")
    song = api.song("once", [0.4, 0.5, 0.6, 0.2, 0.3])
    target = _ask(api, song["id"], len(good))["upload"]
    assert httpx.post(target["url"], data=target["fields"], files={"file": ("a.wav", good, "audio/wav")}).status_code == 204
    audio_queue.drain()
    ready = _song(api, song["id"])
    assert ready["status"] == "ready" and httpx.get(ready["file_url"]).content == good
    # the same form again, with other bytes that never pass the audio check (within the policy's size)
    hostile = b"%PDF-1.4 " + b"x" * (len(good) - 9)
    assert httpx.post(target["url"], data=target["fields"], files={"file": ("a.wav", hostile, "audio/wav")}).status_code == 204
    audio_queue.drain()
    after = _song(api, song["id"])
    assert after["status"] == "ready" and after["processed_at"] == ready["processed_at"]
    assert httpx.get(after["file_url"]).content == good
    assert _keys(f"uploads/{song['id']}/") == []  # the reused form's object was deleted at once
    assert len(_keys(f"songs/{song['id']}/")) == 1


def test_an_upload_that_never_arrives_is_settled(api: MusicApi, audio_queue: QueueDriver) -> None:
    song = api.song("never", [0.4, 0.5, 0.6, 0.2, 0.3])
    target = _ask(api, song["id"], 1000)["upload"]
    assert _song(api, song["id"])["status"] == "processing"  # within the form's lifetime: still waiting
    with db.transaction() as conn:  # the form's lifetime and the processing lease are over
        conn.execute("UPDATE music.songs SET updated_at = now() - interval '21 minutes' WHERE id = %s", (song["id"],))
    settled = _song(api, song["id"])
    assert (settled["status"], settled["reason_code"]) == ("rejected", "upload_not_received"), settled
    # a late object for the old form is deleted when its event comes; the manager asks again
    data = mp3(5.0)
    httpx.post(target["url"], data=target["fields"], files={"file": ("late.mp3", data[:1000], "audio/wav")})
    audio_queue.drain()
    assert _keys(f"uploads/{song['id']}/") == [] and _song(api, song["id"])["status"] == "rejected"
    assert _ask(api, song["id"], 10)["song"]["status"] == "processing"


def test_a_stalled_claim_is_settled_by_the_sweep(api: MusicApi) -> None:
    from music import service

    song = api.song("stalled", [0.4, 0.5, 0.6, 0.2, 0.3])
    _ask(api, song["id"], 1000)
    with db.transaction() as conn:
        conn.execute("UPDATE music.songs SET claimed_at = now() - interval '2 hours' WHERE id = %s", (song["id"],))
    result = service.refill_all()
    assert result["songs_settled"] >= 1
    row = db.connection().execute("SELECT status, reason_code FROM music.songs WHERE id = %s", (song["id"],)).fetchone()
    assert (row["status"], row["reason_code"]) == ("rejected", "processing_timed_out")
