"""The people's side of the music API through its Lambda handler: roles, songs, the features CSV,
players and the managers' view, with who may see and change what."""

from __future__ import annotations

from pathlib import Path

import pytest

from backlot import db
from tests.integration.music.conftest import ADMIN, MusicApi, make_ready, new_user

pytestmark = pytest.mark.integration


def test_roles_are_admin_business_and_one_per_user(api: MusicApi) -> None:
    alice = new_user()
    alice_id = api.user_id(alice)
    assert api.get("/api/me/", user=alice).body["role"] is None
    assert api.put(f"/api/roles/{alice_id}/", {"role": "manager"}, user=alice).status == 403  # not self-service
    assert api.put(f"/api/roles/{alice_id}/", {"role": "manager"}, user="root", groups=ADMIN).status == 200
    assert api.put(f"/api/roles/{alice_id}/", {"role": "admin"}, user="root", groups=ADMIN).body["role"] == "admin"
    assert db.connection().execute("SELECT count(*) AS n FROM music.roles WHERE user_id = %s", (alice_id,)).fetchone()["n"] == 1
    assert api.get("/api/me/", user=alice).body["role"] == "admin"
    assert api.put(f"/api/roles/{alice_id}/", {"role": "owner"}, user="root", groups=ADMIN).status == 422
    assert api.delete(f"/api/roles/{alice_id}/", user="root", groups=ADMIN).status == 204
    assert api.delete(f"/api/roles/{alice_id}/", user="root", groups=ADMIN).status == 404
    assert api.get("/api/roles/", user=alice).status == 403


def test_roles_list_pages_with_a_cursor(api: MusicApi) -> None:
    """No silent cap: every role is reachable page by page (was LIMIT 500 without a cursor)."""
    granted = set()
    for _ in range(5):
        user = new_user()
        granted.add(api.user_id(user))
        api.make_manager(user)
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        res = api.get("/api/roles/", user="root", groups=ADMIN, query=query)
        assert res.status == 200, res.body
        assert len(res.body["roles"]) <= 2
        seen += [r["user_id"] for r in res.body["roles"]]
        cursor = res.body["next_cursor"]
        if cursor is None:
            break
    assert granted <= set(seen) and len(seen) == len(set(seen))
    total = db.connection().execute("SELECT count(*) AS n FROM music.roles").fetchone()["n"]
    assert len(seen) == total
    bad = api.get("/api/roles/", user="root", groups=ADMIN, query={"cursor": "not-a-cursor"})
    assert bad.status == 400 and bad.body["code"] == "invalid_cursor"


def test_songs_managers_write_listeners_read_ready_ones(api: MusicApi) -> None:
    manager, listener = new_user(), new_user()
    api.make_manager(manager)
    created = api.post("/api/songs/", {"title": "Morning Haze", "type": "soundscape", "embedding": [0.2, 0.3, 0.6, 0.9, 0.2]}, user=manager)
    assert created.status == 201 and created.body["status"] == "awaiting_upload" and created.body["file_url"] is None
    assert created.body["embedding"] == pytest.approx([0.2, 0.3, 0.6, 0.9, 0.2])
    song = created.body["id"]
    assert api.post("/api/songs/", {"title": "x"}, user=listener).status == 403
    assert api.get(f"/api/songs/{song}/", user=listener).status == 404  # not ready: hidden from listeners
    make_ready(song)
    seen = api.get(f"/api/songs/{song}/", user=listener)
    assert seen.status == 200 and seen.body["file_url"] is None  # listeners never get the audio URL
    assert api.get(f"/api/songs/{song}/", user=manager).body["file_url"].startswith("http")
    patched = api.patch(f"/api/songs/{song}/", {"bpm": 90, "embedding": [1, 0, 0, 0, 0]}, user=manager)
    assert patched.status == 200 and patched.body["bpm"] == 90 and patched.body["embedding"] == [1, 0, 0, 0, 0]
    assert api.patch(f"/api/songs/{song}/", {"bpm": 90}, user=listener).status == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x", "embedding": [0, 0, 0, 0, 0]}, "embedding"),
        ({"title": "x", "embedding": [1, 2, 3]}, "embedding"),
        ({"title": "x", "embedding": [1, 2, 3, 4, "NaN"]}, "embedding"),
        ({"title": "x", "type": "podcast"}, "type"),
        ({"title": "x", "bpm": 0}, "bpm"),
        ({"title": "x", "colour": "red"}, "colour"),
        # PostgreSQL text cannot hold NUL: a 422 naming the field, not a 500 from the insert
        ({"title": "Bad\x00Title"}, "title"),
        ({"title": "x", "artist": "A\x00"}, "artist"),
        # float4 stores 1e-50 as 0 (the zero vector breaks the table's norm check: was a 500) and
        # 1e-40 only as a denormal; components must be 0 or at least 1e-30 in magnitude
        ({"title": "x", "embedding": [1e-50, 0, 0, 0, 0]}, "embedding"),
        ({"title": "x", "embedding": [1e-40, 0, 0, 0, 0]}, "embedding"),
        ({"title": "x", "embedding": [1, 1e-45, 0, 0, 0]}, "embedding"),
    ],
)
def test_song_validation_names_the_field(api: MusicApi, body: dict, field: str) -> None:
    res = api.post("/api/songs/", body, user="root", groups=ADMIN)
    assert res.status == 422 and res.body["code"] == "validation_error"
    assert any(f["field"].startswith(field) for f in res.body["errors"]), res.body


def test_nul_and_unstorable_vectors_are_refused_on_every_write(api: MusicApi) -> None:
    song = api.song("Fine", [1, 0, 0, 0, 0])
    player = api.player("Fine")
    for method, path, body, field in [
        ("PATCH", f"/api/songs/{song['id']}/", {"title": "x\x00y"}, "title"),
        ("PATCH", f"/api/songs/{song['id']}/", {"artist": "\x00"}, "artist"),
        ("PATCH", f"/api/songs/{song['id']}/", {"embedding": [1e-50, 0, 0, 0, 0]}, "embedding"),
        ("POST", "/api/players/", {"name": "Lobby\x00"}, "name"),
        ("PATCH", f"/api/players/{player['id']}/", {"name": "\x00"}, "name"),
    ]:
        res = api.call(method, path, user="root", groups=ADMIN, json_body=body)
        assert res.status == 422 and res.body["code"] == "validation_error", (path, body, res.body)
        assert [e["field"] for e in res.body["errors"]] == [field], res.body
    assert api.get(f"/api/songs/{song['id']}/", user="root", groups=ADMIN).body["title"] == "Fine"
    assert api.get(f"/api/players/{player['id']}/", user="root", groups=ADMIN).body["name"] == "Fine"


def test_import_refuses_nul_and_unreadable_csv_with_a_400(api: MusicApi) -> None:
    before = db.connection().execute("SELECT count(*) AS n FROM music.songs").fetchone()["n"]
    header = "id,name,artists,danceability,energy,valence,acousticness,tempo\n"
    nul = header + "a,Good,Me,0.1,0.2,0.3,0.4,120\nb,Bad\x00Title,Me,0.1,0.2,0.3,0.4,120\n"
    res = api.call("POST", "/api/songs/import/", user="root", groups=ADMIN, body=nul.encode(), content_type="text/csv")
    assert res.status == 400 and res.body["code"] == "invalid_csv", res.body
    assert res.body["errors"] == [{"field": "row 3", "message": "name must not contain NUL (\\u0000) characters"}]
    # a field over the csv module's limit (131,072 characters) raised csv.Error: was a 500
    huge = header + "a,Good,Me,0.1,0.2,0.3,0.4,120\nb,\"" + "x" * 150_000 + "\",Me,0.1,0.2,0.3,0.4,120\n"
    res = api.call("POST", "/api/songs/import/", user="root", groups=ADMIN, body=huge.encode(), content_type="text/csv")
    assert res.status == 400 and res.body["code"] == "invalid_csv", res.body
    assert "line 3" in res.body["detail"] and res.body["errors"][-1]["field"] == "row 3"
    tiny = header + "a,Tiny,Me,1e-50,0,0,0,50\n"
    res = api.call("POST", "/api/songs/import/", user="root", groups=ADMIN, body=tiny.encode(), content_type="text/csv")
    assert res.status == 400 and res.body["errors"][0]["field"] == "row 2"
    assert db.connection().execute("SELECT count(*) AS n FROM music.songs").fetchone()["n"] == before


def test_import_is_one_statement_and_keeps_what_the_audio_says(api: MusicApi, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows go to PostgreSQL in one set-based statement (not one INSERT per row); a re-import
    updates the same songs, and a ready song keeps the duration and BPM read from its audio."""
    import psycopg

    from music import repository

    rows = [{"external_id": f"one-statement-{i}", "title": f"Song {i}", "artist": "Bulk", "embedding": [0.1, 0.2, 0.3, 0.4, i / 300],
             "duration": 100 + i, "bpm": 90} for i in range(300)]
    user_id = api.user_id("root")
    statements: list[str] = []
    execute = psycopg.Cursor.execute

    def counting(self: psycopg.Cursor, query: object, *args: object, **kwargs: object) -> object:
        statements.append(str(query)[:60])
        return execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counting)
    assert repository.upsert_imported(db.connection(), "bulk-test", rows, user_id) == (300, 0)
    assert len(statements) == 1, statements
    monkeypatch.undo()
    song = db.connection().execute("SELECT id FROM music.songs WHERE source = 'bulk-test' AND external_id = 'one-statement-7'").fetchone()["id"]
    make_ready(str(song))
    db.connection().execute("UPDATE music.songs SET duration = 42, bpm = 128 WHERE id = %s", (song,))
    changed = [r | {"title": r["title"] + " (remaster)", "bpm": 60} for r in rows]
    assert repository.upsert_imported(db.connection(), "bulk-test", changed, user_id) == (0, 300)
    ready = db.connection().execute("SELECT title, duration, bpm FROM music.songs WHERE id = %s", (song,)).fetchone()
    assert ready == {"title": "Song 7 (remaster)", "duration": 42, "bpm": 128}
    other = db.connection().execute(
        "SELECT duration, bpm, embedding::real[] AS e FROM music.songs WHERE source = 'bulk-test' AND external_id = 'one-statement-8'").fetchone()
    assert other["duration"] == 108 and other["bpm"] == 90 and other["e"] == pytest.approx([0.1, 0.2, 0.3, 0.4, 8 / 300])


def test_import_real_top2018_is_idempotent(api: MusicApi, shared_data: Path) -> None:
    text = (shared_data / "music" / "top2018.csv").read_bytes()
    first = api.call("POST", "/api/songs/import/", user="root", groups=ADMIN, body=text, content_type="text/csv")
    assert first.status == 200, first.body
    assert first.body["rows"] == 100 and first.body["created"] + first.body["updated"] == 100
    again = api.call("POST", "/api/songs/import/", user="root", groups=ADMIN, body=text, content_type="text/csv")
    assert again.body == {"created": 0, "updated": 100, "rows": 100}
    row = db.connection().execute(
        "SELECT title, artist, embedding::real[] AS e, duration, bpm, status FROM music.songs WHERE external_id = '6DCZcSspjsKoFjzjrWoCd'"
    ).fetchone()
    assert (row["title"], row["artist"], row["duration"], row["bpm"], row["status"]) == ("God's Plan", "Drake", 199, 77, "awaiting_upload")
    assert row["e"] == pytest.approx([0.754, 0.449, 0.357, 0.0332, (77.169 - 50) / 150], abs=1e-6)


def test_bad_import_changes_nothing(api: MusicApi) -> None:
    before = db.connection().execute("SELECT count(*) AS n FROM music.songs").fetchone()["n"]
    csv = "id,name,danceability,energy,valence,acousticness,tempo\na,Good,0.1,0.2,0.3,0.4,120\nb,Bad,1.5,0.2,0.3,0.4,120\n"
    res = api.call("POST", "/api/songs/import/", user="root", groups=ADMIN, body=csv.encode(), content_type="text/csv")
    assert res.status == 400 and res.body["code"] == "invalid_csv" and res.body["errors"][0]["field"] == "row 3"
    res = api.call("POST", "/api/songs/import/", user="root", groups=ADMIN, body=b"\xff\xfe\x00bad", content_type="text/csv")
    assert res.status == 400
    assert api.call("POST", "/api/songs/import/", user=new_user(), body=csv.encode(), content_type="text/csv").status == 403
    assert db.connection().execute("SELECT count(*) AS n FROM music.songs").fetchone()["n"] == before


def test_player_token_is_shown_once_and_stored_as_a_hash(api: MusicApi) -> None:
    created = api.player("Lobby Speaker")
    token = created["token"]
    assert created["name"] == "Lobby Speaker" and created["status"] == "offline" and token.startswith("blp_")
    row = db.connection().execute("SELECT * FROM music.players WHERE id = %s", (created["id"],)).fetchone()
    assert token not in str(row.values()) and row["token_hash"] == __import__("hashlib").sha256(token.encode()).digest()
    detail = api.get(f"/api/players/{created['id']}/", user="root", groups=ADMIN).body
    assert "token" not in detail and detail["token_hint"] == token[:8]
    assert all("token" not in p for p in api.get("/api/players/", user="root", groups=ADMIN).body["players"])


def test_managers_see_and_run_only_their_players(api: MusicApi) -> None:
    m1, m2, listener = new_user(), new_user(), new_user()
    m1_id, m2_id = api.make_manager(m1), api.make_manager(m2)
    p1 = api.post("/api/players/", {"name": "Bar"}, user=m1).body
    assert p1["manager_id"] == m1_id
    assert api.post("/api/players/", {"name": "Nope"}, user=listener).status == 403
    assert api.post("/api/players/", {"name": "X", "manager_id": m2_id}, user=m1).status == 403  # only admins assign
    assert [p["id"] for p in api.get("/api/players/", user=m2).body["players"] if p["id"] == p1["id"]] == []
    for method, path, body in [
        ("GET", f"/api/players/{p1['id']}/", None), ("PATCH", f"/api/players/{p1['id']}/", {"name": "Mine"}),
        ("POST", f"/api/players/{p1['id']}/token/", None), ("POST", f"/api/players/{p1['id']}/revoke/", None),
        ("GET", f"/api/players/{p1['id']}/queue/", None), ("GET", f"/api/players/{p1['id']}/history/", None),
        ("GET", f"/api/players/{p1['id']}/library/", None), ("POST", f"/api/players/{p1['id']}/library/", {"song_ids": [p1["id"]]}),
    ]:
        res = api.call(method, path, user=m2, json_body=body)
        assert res.status == 404, (method, path, res.body)
    assert api.get(f"/api/players/{p1['id']}/", user=m1).body["name"] == "Bar"
    # the admin reassigns the player; now m2 runs it and m1 no longer sees it
    moved = api.patch(f"/api/players/{p1['id']}/", {"manager_id": m2_id}, user="root", groups=ADMIN)
    assert moved.status == 200 and moved.body["manager_id"] == m2_id
    assert api.get(f"/api/players/{p1['id']}/", user=m2).status == 200
    assert api.get(f"/api/players/{p1['id']}/", user=m1).status == 404
    assert api.patch(f"/api/players/{p1['id']}/", {"manager_id": api.user_id(listener)}, user="root", groups=ADMIN).status == 400
    renamed = api.patch(f"/api/players/{p1['id']}/", {"name": "Terrace"}, user=m2)
    assert renamed.body["name"] == "Terrace" and renamed.body["manager_id"] == m2_id


def test_library_add_checks_the_song_ids_in_one_query(api: MusicApi, monkeypatch: pytest.MonkeyPatch) -> None:
    from music import repository

    player = api.player()
    songs = [api.song(f"once {i}", [1, i, 0, 0, 0])["id"] for i in range(20)]
    calls: list[int] = []
    existing = repository.existing_song_ids
    monkeypatch.setattr(repository, "existing_song_ids", lambda conn, ids: calls.append(len(ids)) or existing(conn, ids))
    res = api.post(f"/api/players/{player['id']}/library/", {"song_ids": songs}, user="root", groups=ADMIN)
    assert res.status == 200 and res.body["added"] == 20
    assert calls == [20]  # once for the whole list, not once per song id


def test_library_endpoints(api: MusicApi) -> None:
    player = api.player()
    songs = [api.song(f"lib {i}", [1, i, 0, 0, 0])["id"] for i in range(3)]
    added = api.post(f"/api/players/{player['id']}/library/", {"song_ids": songs + songs[:1]}, user="root", groups=ADMIN)
    # none of them has audio yet: the library holds 3, none playable, so the player keeps the catalogue
    assert added.status == 200 and added.body == {"added": 3, "library_size": 3, "library_playable": 0, "library_only": False}
    make_ready(songs[1])
    again = api.post(f"/api/players/{player['id']}/library/", {"song_ids": songs[:1]}, user="root", groups=ADMIN)
    assert again.body == {"added": 0, "library_size": 3, "library_playable": 1, "library_only": True}
    assert api.get(f"/api/players/{player['id']}/", user="root", groups=ADMIN).body["library_only"] is True
    unknown = api.post(f"/api/players/{player['id']}/library/", {"song_ids": [songs[0], player["id"]]}, user="root", groups=ADMIN)
    assert unknown.status == 400 and unknown.body["code"] == "unknown_songs"
    listed = api.get(f"/api/players/{player['id']}/library/", user="root", groups=ADMIN, query={"limit": "2"}).body
    assert len(listed["library"]) == 2 and listed["next_cursor"]
    rest = api.get(f"/api/players/{player['id']}/library/", user="root", groups=ADMIN, query={"cursor": listed["next_cursor"]}).body
    assert {r["song_id"] for r in listed["library"] + rest["library"]} == set(songs)
    assert api.delete(f"/api/players/{player['id']}/library/{songs[0]}/", user="root", groups=ADMIN).status == 204
    assert api.delete(f"/api/players/{player['id']}/library/{songs[0]}/", user="root", groups=ADMIN).status == 404
    assert api.get(f"/api/players/{player['id']}/", user="root", groups=ADMIN).body["library_size"] == 2
