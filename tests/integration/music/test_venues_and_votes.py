"""Issue 9 item 6 for music: listeners find a venue's player by the code it shows, and votes are
rate-limited (per listener: 429 + Retry-After; per player: at most one vote re-plan per window).
Each test fails on the main before issue 9 (no venue route; every vote answered 201 and re-planned)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from backlot import db
from music.settings import get_settings
from tests.integration.music.conftest import ADMIN, MusicApi, PlayerClient, make_ready, new_user
from tests.integration.music.test_listeners import CALM, PARTY

pytestmark = pytest.mark.integration


@pytest.fixture()
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("VOTE_INTERVAL_SECONDS", "30")
    monkeypatch.setenv("VOTE_REPLAN_SECONDS", "60")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture()
def venue(api: MusicApi, isolated_catalogue: None) -> dict:
    songs = []
    for i in range(6):
        song = api.song(f"song {i}", [x + 0.01 * i for x in (CALM if i % 2 else PARTY)])
        make_ready(song["id"])
        songs.append(song["id"])
    return {"songs": songs, "player": api.player("Corner Bar")}


def test_listeners_find_a_venue_by_the_code_its_player_shows(api: MusicApi, device: PlayerClient, venue: dict) -> None:
    player = venue["player"]
    code = api.get(f"/api/players/{player['id']}/", user="root", groups=ADMIN).body["venue_code"]
    assert len(code) == 8 and code.isupper()
    assert device.poll(player["token"]).body["venue_code"] == code  # the device shows it
    listener = new_user()
    found = api.get(f"/api/venues/{code.lower()[:4]}-{code.lower()[4:]}/", user=listener)
    assert found.status == 200, found.body
    assert found.body["player_id"] == player["id"] and found.body["name"] == "Corner Bar"
    assert set(found.body) == {"player_id", "name", "venue_code", "online", "now_playing"}  # nothing else leaks
    assert api.post("/api/sessions/", {"player_id": found.body["player_id"]}, user=listener).status == 201
    missing = api.get("/api/venues/ZZZZ2222/", user=listener)
    assert missing.status == 404 and missing.body["code"] == "venue_not_found"
    assert api.get("/api/venues/not-a-code!/", user=listener).status == 404
    assert api.get("/api/players/", user=listener).status == 403  # still no public list of players
    # a code shared outside the venue is replaced; the old one finds nothing
    assert api.post(f"/api/players/{player['id']}/venue-code/", {}, user=listener).status == 403
    rotated = api.post(f"/api/players/{player['id']}/venue-code/", {}, user="root", groups=ADMIN)
    assert rotated.status == 200 and rotated.body["venue_code"] != code
    assert api.get(f"/api/venues/{code}/", user=listener).status == 404
    assert api.get(f"/api/venues/{rotated.body['venue_code']}/", user=listener).body["player_id"] == player["id"]
    # a revoked player is not found
    api.post(f"/api/players/{player['id']}/revoke/", {}, user="root", groups=ADMIN)
    if api.get(f"/api/players/{player['id']}/", user="root", groups=ADMIN).body["revoked"]:
        assert api.get(f"/api/venues/{rotated.body['venue_code']}/", user=listener).status == 404


def test_a_listener_voting_too_fast_gets_429_with_retry_after(api: MusicApi, venue: dict, limits: None) -> None:
    listener = new_user()
    assert api.post("/api/sessions/", {"player_id": venue["player"]["id"]}, user=listener).status == 201
    first = api.post("/api/votes/", {"song_id": venue["songs"][0], "vote_value": 5}, user=listener)
    assert first.status == 201, first.body
    again = api.post("/api/votes/", {"song_id": venue["songs"][1], "vote_value": 1}, user=listener)
    assert again.status == 429 and again.body["code"] == "voting_too_fast", again.body
    retry_after = int({k.lower(): v for k, v in again.headers.items()}["retry-after"])
    assert 1 <= retry_after <= 30
    count = db.connection().execute("SELECT votes_count FROM music.profiles WHERE id = %s", (api.user_id(listener),)).fetchone()
    assert count["votes_count"] == 1  # the refused vote changed nothing


def test_simultaneous_votes_of_one_listener_pass_once(api: MusicApi, venue: dict, limits: None) -> None:
    listener = new_user()
    api.post("/api/sessions/", {"player_id": venue["player"]["id"]}, user=listener)
    results: list = []

    def vote(i: int) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            results.append(api.post("/api/votes/", {"song_id": venue["songs"][i % 6], "vote_value": 4}, user=listener).status)
        except BaseException as exc:  # noqa: BLE001
            results.append(exc)
        finally:
            db.reset()
            loop.close()

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [201] + [429] * 5, results


def test_votes_re_plan_a_players_queue_at_most_once_per_window(api: MusicApi, venue: dict, limits: None) -> None:
    player = venue["player"]["id"]
    guests = [new_user() for _ in range(4)]
    for guest in guests:
        api.post("/api/sessions/", {"player_id": player}, user=guest)

    def refilled_at() -> object:
        return db.connection().execute("SELECT refilled_at FROM music.players WHERE id = %s", (player,)).fetchone()["refilled_at"]

    assert api.post("/api/votes/", {"song_id": venue["songs"][0], "vote_value": 5}, user=guests[0]).status == 201
    after_first = refilled_at()
    for guest in guests[1:3]:
        assert api.post("/api/votes/", {"song_id": venue["songs"][1], "vote_value": 5}, user=guest).status == 201
    assert refilled_at() == after_first  # the other votes waited for the next re-plan
    with db.transaction() as conn:  # the window is over: the next vote re-plans
        conn.execute("UPDATE music.players SET vote_replanned_at = now() - interval '61 seconds' WHERE id = %s", (player,))
    assert api.post("/api/votes/", {"song_id": venue["songs"][2], "vote_value": 5}, user=guests[3]).status == 201
    assert refilled_at() != after_first
