"""A busy room, all at once: listeners check in, vote, check out and look the venue up while the
player polls and reports plays and its manager edits the library and re-plans. Nothing may end
in a 5xx (issue 9 item 6: races answer 4xx)."""

from __future__ import annotations

import asyncio
import random
import threading

import pytest

from backlot import db
from tests.integration.music.conftest import ADMIN, MusicApi, PlayerClient, make_ready, new_user
from tests.integration.music.test_listeners import CALM, PARTY

pytestmark = pytest.mark.integration


def test_a_busy_room_never_answers_5xx(api: MusicApi, device: PlayerClient, isolated_catalogue: None) -> None:
    songs = []
    for i in range(8):
        song = api.song(f"busy {i}", [x + 0.01 * i for x in (CALM if i % 2 else PARTY)])
        make_ready(song["id"])
        songs.append(song["id"])
    player = api.player("Busy Bar")
    code = api.get(f"/api/players/{player['id']}/", user="root", groups=ADMIN).body["venue_code"]
    listeners = [new_user() for _ in range(4)]
    for user in listeners:
        api.user_id(user)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def listener(user: str, seed: int) -> None:
        rnd = random.Random(seed)
        for _ in range(12):
            action = rnd.choice(["in", "vote", "vote", "out", "find", "session"])
            if action == "in":
                res = api.post("/api/sessions/", {"player_id": player["id"]}, user=user)
            elif action == "vote":
                res = api.post("/api/votes/", {"song_id": rnd.choice(songs), "vote_value": rnd.randint(1, 5)}, user=user)
            elif action == "out":
                res = api.delete("/api/sessions/current/", user=user)
            elif action == "find":
                res = api.get(f"/api/venues/{code}/", user=user)
            else:
                res = api.get("/api/sessions/current/", user=user)
            statuses.append(res.status)

    def device_loop() -> None:
        for _ in range(12):
            polled = device.poll(player["token"], "playing")
            statuses.append(polled.status)
            now = (polled.body or {}).get("now")
            if now:
                statuses.append(device.played(player["token"], {"song_id": now["song_id"], "queue_entry_id": now["queue_entry_id"]}).status)

    def manager_loop() -> None:
        for i in range(6):
            song = songs[i % len(songs)]
            statuses.append(api.post(f"/api/players/{player['id']}/library/", {"song_ids": [song]}, user="root", groups=ADMIN).status)
            statuses.append(api.delete(f"/api/players/{player['id']}/library/{song}/", user="root", groups=ADMIN).status)

    def run(target, *args) -> None:  # noqa: ANN001
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            target(*args)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            db.reset()
            loop.close()

    threads = [threading.Thread(target=run, args=(listener, u, n)) for n, u in enumerate(listeners)]
    threads += [threading.Thread(target=run, args=(device_loop,)), threading.Thread(target=run, args=(manager_loop,))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert statuses and all(s < 500 for s in statuses), sorted(set(statuses))
