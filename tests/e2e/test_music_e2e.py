"""The music walk-through over HTTP against ``backlot dev``: an admin adds songs (audio by
presigned POST → S3 → SQS → audio processor, as the templates wire it), creates a player, the
player polls with its device token through the Lambda REQUEST authorizer while listeners check in
and vote, and its queue follows the votes. Plus the token hostile cases at the gateway."""

from __future__ import annotations

import time

import httpx
import pytest

from music.settings import POLL_ENTRIES
from tests.unit.music.samples import mp3, wav

pytestmark = pytest.mark.e2e

CALM = [0.2, 0.15, 0.3, 0.95, 0.1]
PARTY = [0.9, 0.95, 0.85, 0.05, 0.6]


def client(dev_server, user: str, groups: tuple[str, ...] = ()) -> httpx.Client:
    token = dev_server.token(user, groups=groups)
    return httpx.Client(base_url=dev_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def vote(listener: httpx.Client, song_id: str, value: int) -> httpx.Response:
    """Vote as a client should: a 429 (one vote per 2 s) is retried once after its ``Retry-After``."""
    res = listener.post("/music/api/votes/", json={"song_id": song_id, "vote_value": value})
    if res.status_code == 429:
        assert res.json()["code"] == "voting_too_fast" and res.headers["content-type"] == "application/problem+json", res.text
        time.sleep(int(res.headers["Retry-After"]))
        res = listener.post("/music/api/votes/", json={"song_id": song_id, "vote_value": value})
    return res


def wait_ready(admin: httpx.Client, song_id: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        song = admin.get(f"/music/api/songs/{song_id}/").json()
        if song["status"] not in ("processing", "awaiting_upload") or time.monotonic() > deadline:
            return song
        time.sleep(0.3)


def add_song(admin: httpx.Client, title: str, embedding: list[float], audio: bytes, content_type: str) -> str:
    res = admin.post("/music/api/songs/", json={"title": title, "artist": "E2E", "embedding": embedding})
    assert res.status_code == 201, res.text
    song_id = res.json()["id"]
    ask = admin.post(f"/music/api/songs/{song_id}/upload/", json={"content_type": content_type, "size_bytes": len(audio)})
    assert ask.status_code == 201, ask.text
    upload = ask.json()["upload"]
    sent = httpx.post(upload["url"], data=upload["fields"], files={"file": ("a", audio, content_type)}, timeout=30)
    assert sent.status_code in (200, 201, 204), sent.text
    return song_id


def test_player_plays_a_queue_that_follows_the_votes(dev_server) -> None:
    admin = client(dev_server, "e2e-music-admin", ("admin",))
    calm, party = [], []
    for i in range(4):
        calm.append(add_song(admin, f"calm {i}", [x + 0.01 * i for x in CALM], wav(2.0 + i), "audio/wav"))
    for i in range(8):  # more party songs than the walk-through plays, so none has to come back
        party.append(add_song(admin, f"party {i}", [x + 0.01 * i for x in PARTY], mp3(3.0 + i, bpm="128"), "audio/mpeg"))
    for song_id in calm + party:
        song = wait_ready(admin, song_id)
        assert song["status"] == "ready", song
    assert wait_ready(admin, party[0])["bpm"] == 128

    created = admin.post("/music/api/players/", json={"name": "E2E Lobby"})
    assert created.status_code == 201, created.text
    player_id, token = created.json()["id"], created.json()["token"]
    # the walk-through plays only these twelve songs, whatever else the dev database holds
    res = admin.post(f"/music/api/players/{player_id}/library/", json={"song_ids": calm + party})
    assert res.status_code == 200 and res.json()["library_size"] == 12

    device = httpx.Client(base_url=dev_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    first = device.get("/music/api/player/poll", params={"status": "playing"})
    assert first.status_code == 200, first.text
    now = first.json()["now"]
    assert now["song_id"] in calm + party and len(first.json()["next"]) == 2
    audio = httpx.get(now["url"], timeout=30)
    assert audio.status_code == 200 and len(audio.content) > 1000  # the presigned URL serves the file

    # two listeners check in; one leaves, the other loves party songs
    fan, guest = client(dev_server, "e2e-music-fan"), client(dev_server, "e2e-music-guest")
    for listener in (fan, guest):
        res = listener.post("/music/api/sessions/", json={"player_id": player_id})
        assert res.status_code == 201, res.text
    assert vote(fan, calm[0], 5).status_code == 201
    fan.delete("/music/api/sessions/current/")
    for song_id in party[:3]:
        res = vote(guest, song_id, 5)
        assert res.status_code == 201, res.text
    assert vote(guest, calm[1], 1).status_code == 201

    played = []
    for _ in range(6):
        body = device.get("/music/api/player/poll", params={"status": "playing"}).json()
        played.append(body["now"]["song_id"])
        res = device.post("/music/api/player/played", json={"song_id": body["now"]["song_id"], "queue_entry_id": body["now"]["queue_entry_id"]})
        assert res.status_code == 200 and res.json()["recorded"], res.text
    # after the entries a poll hands out (kept by every re-plan), the room's taste
    assert set(played[POLL_ENTRIES:]) <= set(party), played

    view = admin.get(f"/music/api/players/{player_id}/").json()
    assert view["online"] is True and view["status"] == "playing" and view["listeners"] == 1
    history = admin.get(f"/music/api/players/{player_id}/history/").json()["history"]
    assert [h["song_id"] for h in history][::-1] == played


def test_hostile_tokens_and_votes_over_http(dev_server) -> None:
    admin = client(dev_server, "e2e-music-admin", ("admin",))
    created = admin.post("/music/api/players/", json={"name": "E2E Hostile"}).json()
    other = admin.post("/music/api/players/", json={"name": "E2E Other"}).json()
    base = dev_server.url + "/music/api/player/poll"
    assert httpx.get(base).status_code == 401
    assert httpx.get(base, headers={"Authorization": "Bearer blp_not-a-real-token"}).status_code == 403
    assert httpx.get(base, headers={"Authorization": f"Bearer {created['token']}"}, params={"player_id": other["id"]}).status_code == 400
    # a player token is not a person's JWT: the managers' routes refuse it at the gateway
    assert httpx.get(f"{dev_server.url}/music/api/players/{other['id']}/queue/",
                     headers={"Authorization": f"Bearer {created['token']}"}).status_code == 401
    admin.post(f"/music/api/players/{created['id']}/revoke/")
    assert httpx.get(base, headers={"Authorization": f"Bearer {created['token']}"}).status_code == 403
    listener = client(dev_server, "e2e-music-stranger")
    res = listener.post("/music/api/votes/", json={"song_id": other["id"], "vote_value": 5})
    assert res.status_code == 403 and res.json()["code"] == "no_active_session"
    listener.post("/music/api/sessions/", json={"player_id": other["id"]})
    for value in (0, 6):
        res = listener.post("/music/api/votes/", json={"song_id": other["id"], "vote_value": value})
        assert res.status_code == 422 and res.json()["errors"][0]["field"] == "vote_value"
    assert listener.get("/music/api/me/").json()["votes_count"] == 0
