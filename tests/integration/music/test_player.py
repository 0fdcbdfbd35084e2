"""Physical players through the Lambda REQUEST authorizer and their two routes, the queue and its
refills (on demand and on schedule), and the hostile cases: missing, wrong, revoked and rotated
tokens, and a player reaching for another player's queue."""

from __future__ import annotations

import threading
import urllib.request

import pytest

from backlot import db
from tests.integration.music.conftest import ADMIN, MusicApi, PlayerClient, make_ready, run_refill

pytestmark = pytest.mark.integration


@pytest.fixture()
def songs(api: MusicApi, isolated_catalogue: None) -> list[str]:
    ids = []
    for i in range(12):
        song = api.song(f"track {i}", [1.0, i / 12, 0.2, 0.1, 0.3])
        make_ready(song["id"])
        ids.append(song["id"])
    return ids


def player_row(player_id: str) -> dict:
    return db.connection().execute("SELECT * FROM music.players WHERE id = %s", (player_id,)).fetchone()


def queue(player_id: str) -> list[dict]:
    return db.connection().execute(
        "SELECT id, song_id, position FROM music.player_queue WHERE player_id = %s ORDER BY position", (player_id,)
    ).fetchall()


def test_poll_gives_now_and_next_with_audio_urls_and_records_the_heartbeat(api: MusicApi, device: PlayerClient, songs: list[str]) -> None:
    player = api.player()
    res = device.poll(player["token"], "playing")
    assert res.status == 200, res.body
    body = res.body
    assert body["player_id"] == player["id"] and body["now"] and len(body["next"]) == 2
    assert body["now"]["url"].startswith("http") and body["now"]["url_expires_in"] > 0
    assert body["now"]["song_id"] in songs and "file_key" not in body["now"]
    row = player_row(player["id"])
    assert row["last_poll"] is not None and row["status"] == "playing" and str(row["current_song_id"]) == body["now"]["song_id"]
    view = api.get(f"/api/players/{player['id']}/", user="root", groups=ADMIN).body
    assert view["online"] is True and view["status"] == "playing" and view["current_song"]["id"] == body["now"]["song_id"]
    assert len(view["queue"]) == 5 and view["listeners"] == 0
    # the presigned URL really serves the object (the emulator holds no bytes for it: 404, not 403)
    try:
        urllib.request.urlopen(body["now"]["url"], timeout=5)  # noqa: S310 - emulator on loopback
    except urllib.error.HTTPError as exc:
        assert exc.code == 404


def test_played_writes_history_and_advances_the_queue(api: MusicApi, device: PlayerClient, songs: list[str]) -> None:
    player = api.player()
    first = device.poll(player["token"], "playing").body
    now = first["now"]
    done = device.played(player["token"], {"song_id": now["song_id"], "queue_entry_id": now["queue_entry_id"]})
    assert done.status == 200 and done.body["recorded"] is True
    assert done.body["now"]["queue_entry_id"] == first["next"][0]["queue_entry_id"]
    history = api.get(f"/api/players/{player['id']}/history/", user="root", groups=ADMIN).body["history"]
    assert [h["song_id"] for h in history] == [now["song_id"]]
    assert len(queue(player["id"])) >= 3  # refilled at once when it ran low
    # the same report again changes nothing
    again = device.played(player["token"], {"song_id": now["song_id"], "queue_entry_id": now["queue_entry_id"]})
    assert again.status == 200 and again.body["duplicate"] is True and again.body["recorded"] is False
    assert len(api.get(f"/api/players/{player['id']}/history/", user="root", groups=ADMIN).body["history"]) == 1
    # a song not in the queue, or an entry holding another song, is refused
    queued = {str(e["song_id"]) for e in queue(player["id"])}
    absent = next(s for s in songs if s not in queued)
    refused = device.played(player["token"], {"song_id": absent})
    assert refused.status == 404 and refused.body["code"] == "not_in_queue"
    head = queue(player["id"])[0]
    other_song = next(s for s in songs if s != str(head["song_id"]))
    mismatch = device.played(player["token"], {"song_id": other_song, "queue_entry_id": str(head["id"])})
    assert mismatch.status == 409 and mismatch.body["code"] == "song_mismatch"
    # played songs are penalised: the next plays differ from what was just played
    assert now["song_id"] not in {str(e["song_id"]) for e in queue(player["id"])}


@pytest.mark.parametrize("token", ["", "garbage", "blp_" + "A" * 43, "Bearer blp_x"])
def test_bad_tokens_are_refused_and_change_nothing(api: MusicApi, device: PlayerClient, songs: list[str], token: str) -> None:
    player = api.player()
    before = player_row(player["id"])
    if token == "":
        res = device.poll(None)
        assert res.status == 401
    else:
        res = device.poll(token)
        assert res.status == 403 and res.body == {"message": "Forbidden"}
    basic = device.call("GET", "/api/player/poll", None, extra_headers={"authorization": "Basic dXNlcjpwdw=="})
    assert basic.status == 403
    assert player_row(player["id"]) == before and queue(player["id"]) == []


def test_revoked_and_rotated_tokens_stop_at_once(api: MusicApi, device: PlayerClient, songs: list[str]) -> None:
    player = api.player()
    old = player["token"]
    assert device.poll(old).status == 200
    rotated = api.post(f"/api/players/{player['id']}/token/", user="root", groups=ADMIN).body
    assert rotated["token"] != old and rotated["token_hint"] == rotated["token"][:8]
    assert device.poll(old).status == 403
    assert device.poll(rotated["token"]).status == 200
    revoked = api.post(f"/api/players/{player['id']}/revoke/", user="root", groups=ADMIN).body
    assert revoked["revoked"] is True and revoked["status"] == "offline"
    before = player_row(player["id"])
    assert device.poll(rotated["token"]).status == 403
    assert device.played(rotated["token"], {"song_id": songs[0]}).status == 403
    assert player_row(player["id"]) == before
    # revoked players get no refills from the schedule
    db.connection().execute("DELETE FROM music.player_queue WHERE player_id = %s", (player["id"],))
    run_refill()
    assert queue(player["id"]) == []
    again = api.post(f"/api/players/{player['id']}/token/", user="root", groups=ADMIN).body
    assert device.poll(again["token"]).status == 200


def test_a_player_cannot_reach_another_players_queue(api: MusicApi, device: PlayerClient, songs: list[str]) -> None:
    mine, theirs = api.player("mine"), api.player("theirs")
    their_poll = device.poll(theirs["token"]).body
    their_queue = queue(theirs["id"])
    # naming the other player is refused, not silently answered
    res = device.call("GET", "/api/player/poll", mine["token"], query={"player_id": theirs["id"]})
    assert res.status == 400 and res.body["code"] == "unknown_parameter"
    # reporting the other player's queue entry finds nothing and changes nothing
    entry = their_poll["now"]
    res = device.played(mine["token"], {"song_id": entry["song_id"], "queue_entry_id": entry["queue_entry_id"]})
    assert res.status == 404 and res.body["code"] == "not_in_queue"
    assert queue(theirs["id"]) == their_queue
    # the managers' routes need a person's JWT: a player token is no identity there
    res = api.call("GET", f"/api/players/{theirs['id']}/queue/", user=None, headers={"authorization": f"Bearer {mine['token']}"})
    assert res.status == 401
    # its own poll shows only its own queue
    own = device.poll(mine["token"]).body
    assert {own["now"]["queue_entry_id"]} | {e["queue_entry_id"] for e in own["next"]} <= {str(e["id"]) for e in queue(mine["id"])}


def test_concurrent_refills_never_duplicate(api: MusicApi, songs: list[str]) -> None:
    from music import service

    player = api.player()
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def refill() -> None:
        try:
            barrier.wait()
            service._refill(player["id"], replan=True)  # noqa: SLF001 - the unit under test
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            db.reset()

    threads = [threading.Thread(target=refill) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    entries = queue(player["id"])
    assert len(entries) == 5
    assert len({e["song_id"] for e in entries}) == 5 and len({e["position"] for e in entries}) == 5


def test_schedule_refills_players_seen_polling_and_marks_silent_ones_offline(api: MusicApi, device: PlayerClient, songs: list[str]) -> None:
    a, b = api.player("a"), api.player("b")
    device.poll(a["token"], "playing")
    # a went silent 5 minutes ago: offline, but recently seen, so the schedule still re-plans it
    db.connection().execute("UPDATE music.players SET last_poll = now() - interval '5 minutes' WHERE id = %s", (a["id"],))
    db.connection().execute("DELETE FROM music.player_queue WHERE player_id = %s AND position > 1", (a["id"],))
    result = run_refill()
    assert result["players"] == 1 and result["players_offline"] >= 1 and result["out_of_time"] is False
    assert len(queue(a["id"])) == 5
    # b never polled: the schedule leaves it alone; its first poll fills its queue at once
    assert queue(b["id"]) == [] and player_row(b["id"])["refilled_at"] is None
    first = device.poll(b["token"]).body
    assert first["now"] and len(first["next"]) == 2 and len(queue(b["id"])) == 5
    assert player_row(a["id"])["status"] == "offline"
    view = api.get(f"/api/players/{a['id']}/", user="root", groups=ADMIN).body
    assert view["online"] is False and view["status"] == "offline"
    # a second run at once adds nothing new and keeps the head
    head = queue(a["id"])[:2]
    run_refill()
    assert queue(a["id"])[:2] == head and len(queue(a["id"])) == 5


def test_library_player_plays_only_its_library(api: MusicApi, device: PlayerClient, songs: list[str]) -> None:
    player = api.player()
    api.post(f"/api/players/{player['id']}/library/", {"song_ids": songs[:2]}, user="root", groups=ADMIN)
    body = device.poll(player["token"]).body
    assert {body["now"]["song_id"]} | {e["song_id"] for e in body["next"]} <= set(songs[:2])
    assert {str(e["song_id"]) for e in queue(player["id"])} <= set(songs[:2])


def test_schedule_leaves_players_gone_for_long_alone(api: MusicApi, device: PlayerClient, songs: list[str]) -> None:
    """A player silent for more than refill_seen_minutes is not re-planned each minute; when it
    comes back its poll refills a low queue at once, and the next run re-plans it."""
    gone = api.player("gone")
    device.poll(gone["token"])
    db.connection().execute("UPDATE music.players SET last_poll = now() - interval '11 minutes' WHERE id = %s", (gone["id"],))
    db.connection().execute("DELETE FROM music.player_queue WHERE player_id = %s", (gone["id"],))
    stamp = player_row(gone["id"])["refilled_at"]
    assert run_refill()["players"] == 0
    assert queue(gone["id"]) == [] and player_row(gone["id"])["refilled_at"] == stamp
    back = device.poll(gone["token"], "playing").body
    assert back["now"] and len(queue(gone["id"])) == 5
    assert run_refill()["players"] == 1


def test_schedule_within_its_time_budget_reaches_the_rest_first_next_run(api: MusicApi, device: PlayerClient, songs: list[str]) -> None:
    """Players are taken oldest refill first; a run stops starting players when the Lambda's
    remaining time is under the margin, and the next run starts with the ones it did not reach."""
    from music import service
    from music.settings import get_settings

    players = [api.player(f"budget {i}") for i in range(4)]
    for player in players:
        device.poll(player["token"])  # each poll fills the queue: refilled_at in this order
    stamps = [player_row(p["id"])["refilled_at"] for p in players]
    assert stamps == sorted(stamps)
    margin = get_settings().refill_margin_ms

    def budget(players_allowed: int):
        calls = iter(range(1000))
        return lambda: margin + 60_000 if next(calls) < players_allowed else margin - 1

    first = service.refill_all(remaining_ms=budget(2))
    assert first["players"] == 2 and first["out_of_time"] is True
    after_first = [player_row(p["id"])["refilled_at"] for p in players]
    assert [a > b for a, b in zip(after_first, stamps)] == [True, True, False, False]
    second = service.refill_all(remaining_ms=budget(2))
    assert second["players"] == 2 and second["out_of_time"] is True
    after_second = [player_row(p["id"])["refilled_at"] for p in players]
    assert [a > b for a, b in zip(after_second, after_first)] == [False, False, True, True]
    # the handler passes the Lambda context's clock; with time to spare it reaches everyone
    assert run_refill()["players"] == 4


def test_what_a_poll_hands_out_survives_a_replan(api: MusicApi, device: PlayerClient, songs: list[str]) -> None:
    """The poll gives now + 2 next; a re-plan (the schedule, a vote, a check-in) must keep all
    three, or the player's later report of the last one is a 404 and the play is lost."""
    from music import service

    player = api.player()
    body = device.poll(player["token"], "playing").body
    handed_out = [body["now"]] + body["next"]
    assert len(handed_out) == 3
    run_refill()
    service._refill(player["id"], replan=True)  # noqa: SLF001 - as a vote or check-in does
    kept = [str(e["id"]) for e in queue(player["id"])][:3]
    assert kept == [e["queue_entry_id"] for e in handed_out]
    last = handed_out[-1]
    done = device.played(player["token"], {"song_id": last["song_id"], "queue_entry_id": last["queue_entry_id"]})
    assert done.status == 200 and done.body["recorded"] is True, done.body
    history = api.get(f"/api/players/{player['id']}/history/", user="root", groups=ADMIN).body["history"]
    assert [h["queue_entry_id"] for h in history] == [last["queue_entry_id"]]


def test_removing_a_library_song_keeps_it_if_a_poll_handed_it_out(api: MusicApi, device: PlayerClient, songs: list[str]) -> None:
    player = api.player()
    api.post(f"/api/players/{player['id']}/library/", {"song_ids": songs[:6]}, user="root", groups=ADMIN)
    body = device.poll(player["token"], "playing").body
    last = body["next"][-1]
    later = str(queue(player["id"])[3]["song_id"])
    for song in (last["song_id"], later):
        assert api.delete(f"/api/players/{player['id']}/library/{song}/", user="root", groups=ADMIN).status == 204
    entries = [str(e["song_id"]) for e in queue(player["id"])]
    assert last["song_id"] in entries[:3] and later not in entries
    done = device.played(player["token"], {"song_id": last["song_id"], "queue_entry_id": last["queue_entry_id"]})
    assert done.status == 200 and done.body["recorded"] is True


def test_a_library_without_playable_songs_does_not_silence_the_player(api: MusicApi, device: PlayerClient, songs: list[str]) -> None:
    """Songs whose audio has not arrived can be put in a library; until one of them is playable
    the player keeps playing the catalogue (it used to get an empty queue: silence), and listeners
    may vote on what it plays. From the first playable library song on, only the library plays."""
    player = api.player()
    pending = [api.song(f"pending {i}", [1.0, 0.5, 0.2, 0.1, 0.3])["id"] for i in range(3)]
    added = api.post(f"/api/players/{player['id']}/library/", {"song_ids": pending}, user="root", groups=ADMIN).body
    body = device.poll(player["token"], "playing").body
    assert body["now"] is not None and len(body["next"]) == 2
    assert added["library_size"] == 3 and added["library_playable"] == 0 and added["library_only"] is False
    assert {body["now"]["song_id"]} | {e["song_id"] for e in body["next"]} <= set(songs)
    listener = "library-listener"
    assert api.post("/api/sessions/", {"player_id": player["id"]}, user=listener).status == 201
    assert api.post("/api/votes/", {"song_id": songs[0], "vote_value": 5}, user=listener).status == 201
    # the first library song gets its audio: from now on the player plays only its library
    make_ready(pending[0])
    for entry in queue(player["id"]):
        device.played(player["token"], {"song_id": str(entry["song_id"]), "queue_entry_id": str(entry["id"])})
    assert {str(e["song_id"]) for e in queue(player["id"])} == {pending[0]}
    assert api.post("/api/votes/", {"song_id": songs[1], "vote_value": 5}, user=listener).status == 404
    assert api.post("/api/votes/", {"song_id": pending[0], "vote_value": 5}, user=listener).status == 201


def test_a_player_whose_refill_fails_goes_to_the_back(api: MusicApi, device: PlayerClient, songs: list[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """One player's failing refill neither stops the run nor comes first in every later run."""
    from music import repository, service

    broken, fine = api.player("broken"), api.player("fine")
    for player in (broken, fine):
        device.poll(player["token"])
    before = {p["id"]: player_row(p["id"])["refilled_at"] for p in (broken, fine)}
    real = repository.refill_queue

    def refill(conn, player_id, **kw):  # noqa: ANN001, ANN003, ANN202 - the repository takes the service's connection
        if str(player_id) == broken["id"]:
            raise RuntimeError("boom")
        return real(conn, player_id, **kw)

    monkeypatch.setattr(repository, "refill_queue", refill)
    result = service.refill_all()
    assert result["players"] == 2 and result["refilled"] == 1
    after = {p["id"]: player_row(p["id"])["refilled_at"] for p in (broken, fine)}
    assert after[broken["id"]] > before[broken["id"]] and after[fine["id"]] > before[fine["id"]]
