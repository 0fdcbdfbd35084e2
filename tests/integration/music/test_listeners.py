"""Listeners: check in, vote, check out; votes move the taste and the queue follows the room.
Hostile cases: votes 0 and 6, voting without a session, with an expired one, on unknown songs."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from backlot import db
from music.domain.preference import cosine_distance, updated_preference
from music.settings import get_settings
from tests.integration.music.conftest import ADMIN, MusicApi, PlayerClient, make_ready, new_user, run_refill

pytestmark = pytest.mark.integration

CALM = [0.2, 0.15, 0.3, 0.95, 0.1]    # acoustic, slow, low energy
PARTY = [0.9, 0.95, 0.85, 0.05, 0.6]  # danceable, energetic, bright


@pytest.fixture()
def room(api: MusicApi, isolated_catalogue: None) -> dict:
    calm, party = [], []
    for i in range(8):
        for bucket, base in ((calm, CALM), (party, PARTY)):
            song = api.song(f"{'calm' if bucket is calm else 'party'} {i}", [x + 0.01 * i for x in base])
            make_ready(song["id"])
            bucket.append(song["id"])
    return {"calm": calm, "party": party, "player": api.player("Lobby")}


def state(user_id: str) -> dict:
    return db.connection().execute(
        "SELECT preference_vector::real[] AS p, votes_count, (SELECT count(*) FROM music.votes WHERE user_id = %(u)s) AS votes "
        "FROM music.profiles WHERE id = %(u)s", {"u": user_id}).fetchone()


def test_check_in_repeat_and_check_out(api: MusicApi, room: dict) -> None:
    user = new_user()
    player = room["player"]["id"]
    first = api.post("/api/sessions/", {"player_id": player}, user=user)
    assert first.status == 201 and first.body["status"] == "active" and first.body["player_id"] == player
    again = api.post("/api/sessions/", {"player_id": player}, user=user)
    assert again.status == 200 and again.body["id"] == first.body["id"] and again.body["expires_at"] >= first.body["expires_at"]
    current = api.get("/api/sessions/current/", user=user).body
    assert current["id"] == first.body["id"] and current["now_playing"] is not None
    assert api.get("/api/me/", user=user).body["session"]["id"] == first.body["id"]
    # checking in elsewhere ends the first session
    other = api.player("Terrace")
    moved = api.post("/api/sessions/", {"player_id": other["id"]}, user=user).body
    assert moved["id"] != first.body["id"]
    assert db.connection().execute("SELECT count(*) AS n FROM music.sessions WHERE user_id = %s AND status = 'active'",
                                   (moved["user_id"],)).fetchone()["n"] == 1
    assert api.delete("/api/sessions/current/", user=user).status == 204
    assert api.delete("/api/sessions/current/", user=user).status == 404
    assert api.get("/api/sessions/current/", user=user).status == 404
    assert api.post("/api/sessions/", {"player_id": "00000000-0000-4000-8000-000000000000"}, user=user).status == 404
    assert api.post("/api/sessions/", {"player_id": "lobby"}, user=user).status == 422


def test_vote_moves_the_preference_by_the_documented_rule(api: MusicApi, room: dict) -> None:
    user = new_user()
    api.post("/api/sessions/", {"player_id": room["player"]["id"]}, user=user)
    song = room["party"][0]
    embedding = api.get(f"/api/songs/{song}/", user=user).body["embedding"]
    res = api.post("/api/votes/", {"song_id": song, "vote_value": 5}, user=user)
    assert res.status == 201 and res.body["vote_value"] == 5 and res.body["player_id"] == room["player"]["id"]
    expected = updated_preference([0.0] * 5, embedding, 5)
    assert res.body["preference_vector"] == pytest.approx(expected)
    after = state(res.body["user_id"])
    assert after["p"] == pytest.approx(expected, abs=1e-6) and after["votes_count"] == 1
    down = api.post("/api/votes/", {"song_id": room["calm"][0], "vote_value": 1}, user=user).body
    assert down["preference_vector"] == pytest.approx(updated_preference(expected, api.get(f"/api/songs/{room['calm'][0]}/", user=user).body["embedding"], 1), abs=1e-6)


@pytest.mark.parametrize("value", [0, 6, -1, 3.5, "5", None])
def test_out_of_range_votes_are_refused_and_change_nothing(api: MusicApi, room: dict, value: object) -> None:
    user = new_user()
    api.post("/api/sessions/", {"player_id": room["player"]["id"]}, user=user)
    user_id = api.user_id(user)
    before = state(user_id)
    res = api.post("/api/votes/", {"song_id": room["party"][0], "vote_value": value}, user=user)
    assert res.status == 422 and res.body["errors"][0]["field"] == "vote_value"
    assert state(user_id) == before


def test_voting_without_a_session_or_with_an_expired_one_is_refused(api: MusicApi, room: dict) -> None:
    user = new_user()
    user_id = api.user_id(user)
    before = state(user_id)
    res = api.post("/api/votes/", {"song_id": room["party"][0], "vote_value": 5}, user=user)
    assert res.status == 403 and res.body["code"] == "no_active_session"
    api.post("/api/sessions/", {"player_id": room["player"]["id"]}, user=user)
    db.connection().execute(
        "UPDATE music.sessions SET checked_in_at = now() - interval '4 hours', expires_at = now() - interval '1 minute' WHERE user_id = %s",
        (user_id,))
    res = api.post("/api/votes/", {"song_id": room["party"][0], "vote_value": 5}, user=user)
    assert res.status == 403 and res.body["code"] == "session_expired"
    assert state(user_id) == before
    assert api.get("/api/sessions/current/", user=user).status == 404
    # an expired listener no longer counts for the room
    assert db.connection().execute("SELECT music.collective_vector(%s) AS v", (room["player"]["id"],)).fetchone()["v"] is None
    run_refill()  # the schedule closes it
    assert db.connection().execute("SELECT status FROM music.sessions WHERE user_id = %s", (user_id,)).fetchone()["status"] == "inactive"
    # checked out: refused too
    api.post("/api/sessions/", {"player_id": room["player"]["id"]}, user=user)
    api.delete("/api/sessions/current/", user=user)
    assert api.post("/api/votes/", {"song_id": room["party"][0], "vote_value": 5}, user=user).status == 403
    assert state(user_id) == before


def test_votes_on_unknown_or_unplayable_songs_are_refused(api: MusicApi, room: dict) -> None:
    user = new_user()
    api.post("/api/sessions/", {"player_id": room["player"]["id"]}, user=user)
    user_id = api.user_id(user)
    before = state(user_id)
    assert api.post("/api/votes/", {"song_id": "00000000-0000-4000-8000-000000000000", "vote_value": 5}, user=user).status == 404
    pending = api.song("not yet", [1, 0, 0, 0, 0])
    assert api.post("/api/votes/", {"song_id": pending["id"], "vote_value": 5}, user=user).status == 404
    no_vector = api.post("/api/songs/", {"title": "no vector"}, user="root", groups=ADMIN).body
    make_ready(no_vector["id"])
    res = api.post("/api/votes/", {"song_id": no_vector["id"], "vote_value": 5}, user=user)
    assert res.status == 409 and res.body["code"] == "song_has_no_embedding"
    assert state(user_id) == before


def test_the_queue_follows_the_room_and_one_loud_guest_cannot_own_it(api: MusicApi, device: PlayerClient, room: dict) -> None:
    player = room["player"]
    token = player["token"]
    device.poll(token, "playing")
    fan, loud = new_user(), new_user()
    for user in (fan, loud):
        api.post("/api/sessions/", {"player_id": player["id"]}, user=user)
    # the fan likes calm songs once; the loud guest votes party songs up twenty times
    api.post("/api/votes/", {"song_id": room["calm"][0], "vote_value": 5}, user=fan)
    for i in range(20):
        api.post("/api/votes/", {"song_id": room["party"][i % 8], "vote_value": 5}, user=loud)
    room_vector = db.connection().execute("SELECT music.collective_vector(%s)::real[] AS v", (player["id"],)).fetchone()["v"]
    # each counts once: the room sits between calm and party, not on party
    assert abs(cosine_distance(room_vector, CALM) - cosine_distance(room_vector, PARTY)) < 0.15
    # with only the party guest left, the queue (beyond the entries kept at the head: what a poll
    # hands out) turns to party
    keep = get_settings().queue_keep
    api.delete("/api/sessions/current/", user=fan)
    queue = api.get(f"/api/players/{player['id']}/queue/", user="root", groups=ADMIN).body["queue"]
    assert len(queue) == 5
    assert {e["song_id"] for e in queue[keep:]} <= set(room["party"])
    # the player plays through it and keeps getting party songs
    played = []
    for _ in range(6):
        now = device.poll(token, "playing").body["now"]
        played.append(now["song_id"])
        assert device.played(token, {"song_id": now["song_id"], "queue_entry_id": now["queue_entry_id"]}).status == 200
    assert set(played[keep:]) <= set(room["party"]) and len(set(played)) == len(played)


def test_simultaneous_first_check_ins_make_one_session(api: MusicApi, room: dict) -> None:
    """Two first check-ins of one user at once (a double tap): with no session row to lock, both
    used to insert one and the second broke the one-active-session index (a 500). Made certain
    here: the test holds a SHARE lock on music.sessions, so both requests get as far as their
    INSERT (or as the serialising lock) before either can write, then lets them go."""
    user = new_user()
    user_id = api.user_id(user)
    player = room["player"]["id"]
    blocker, watcher = db.connect(), db.connect()  # the watcher outside the blocker's transaction
    results: list = []

    def check_in() -> None:
        loop = asyncio.new_event_loop()  # the Lambda handler (Mangum) needs one in its thread
        asyncio.set_event_loop(loop)
        try:
            results.append(api.post("/api/sessions/", {"player_id": player}, user=user))
        except BaseException as exc:  # noqa: BLE001
            results.append(exc)
        finally:
            db.reset()
            loop.close()

    try:
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE music.sessions IN SHARE MODE")
        threads = [threading.Thread(target=check_in) for _ in range(2)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # both requests wait on a lock
            waiting = watcher.execute(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            ).fetchone()["n"]
            if waiting >= 2:
                break
            time.sleep(0.02)
        blocker.execute("COMMIT")
        for t in threads:
            t.join(30)
    finally:
        blocker.close()
        watcher.close()
    statuses = sorted(r.status for r in results)
    assert statuses == [200, 201], [getattr(r, "body", r) for r in results]
    assert results[0].body["id"] == results[1].body["id"]
    sessions = db.connection().execute(
        "SELECT count(*) AS n FROM music.sessions WHERE user_id = %s AND status = 'active'", (user_id,)).fetchone()["n"]
    assert sessions == 1
