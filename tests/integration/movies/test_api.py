"""The movies API through its Lambda handler: the real export in, counts and statistics out; every
hostile input refused clearly without touching other sessions; deletion and expiry."""

from __future__ import annotations

import io
import uuid
import zipfile
from pathlib import Path

import pytest

from tests.integration.movies.conftest import MoviesApi, export_files, export_zip
from tests.integration.movies.expected import expected

pytestmark = pytest.mark.integration

SMALL = (
    "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\r\n"
    "2024-01-02,Dune,2021,https://boxd.it/AAAA1,4.5,,\"imax, sci-fi\",2024-01-01\r\n"
    "2024-02-02,Dune,2021,https://boxd.it/AAAA2,5,Yes,imax,2024-02-01\r\n"
    "2024-03-02,\"Crouching Tiger, Hidden Dragon\",2000,https://boxd.it/AAAA3,4,,,2024-03-01\r\n"
).encode()


def assert_matches_files(api: MoviesApi, session_id: str, want: dict) -> dict:
    status = api.get(f"/api/session/{session_id}/status")
    assert status.status == 200, status.body
    assert status.body["status"] == "completed" and status.body["total_movies"] == want["films"], status.body
    stats = api.get(f"/api/session/{session_id}/stats").body
    o = stats["overview"]
    assert (o["films"], o["viewings"], o["rewatches"]) == (want["films"], want["viewings"], want["rewatches"])
    assert stats["rewatches"]["flagged"] == want["rewatches_flagged"]
    assert {y["year"]: y["viewings"] for y in stats["per_year"]} == want["per_year"]
    assert sum(y["viewings"] for y in stats["per_year"]) == want["viewings"]
    top = want["tags"].most_common()
    assert [(t["tag"], t["uses"]) for t in stats["tags"][:5]] == sorted(top, key=lambda t: (-t[1], t[0]))[:5]
    assert {r["rating"]: r["films"] for r in stats["rating_distribution"] if r["films"]} == dict(want["ratings"])
    assert (o["reviews"], o["watchlist"], o["lists"]) == (want["reviews"], want["watchlist"], want["lists"])
    assert sum(d["films"] for d in stats["by_decade"]) + stats["films_without_year"] == want["films"]
    return stats


def test_real_export_as_csvs(api: MoviesApi, letterboxd: Path) -> None:
    want = expected(letterboxd)
    res = api.upload(export_files(letterboxd))
    assert res.status == 201, res.body
    assert set(res.body) == {"session_id", "status", "total_movies"}
    assert res.body["status"] == "completed" and res.body["total_movies"] == want["films"]
    stats = assert_matches_files(api, res.body["session_id"], want)
    # no TMDB key in this test: completed, and it says enrichment was skipped
    assert stats["enrichment"]["status"] == "skipped" and "no TMDB API key" in stats["enrichment"]["note"]
    assert stats["genres"] is None and stats["overview"]["hours"] is None
    status = api.get(f"/api/session/{res.body['session_id']}/status").body
    assert status["enrichment"] == "skipped" and status["progress"]["percent"] == 100


def test_real_export_as_zip(api: MoviesApi, letterboxd: Path) -> None:
    want = expected(letterboxd)
    res = api.upload([("letterboxd-patrickmjones-2022-08-01-00-00-utc.zip", export_zip(letterboxd))])
    assert res.status == 201, res.body
    assert_matches_files(api, res.body["session_id"], want)
    details = api.get(f"/api/session/{res.body['session_id']}").body
    kinds = {f["name"]: f["kind"] for f in details["summary"]["files"]}
    assert kinds["diary.csv"] == "diary" and kinds["profile.csv"] == "ignored" and kinds["lists/zatoichi.csv"] == "list"


def test_movies_page_through_every_film_once(api: MoviesApi, letterboxd: Path) -> None:
    session = api.upload(export_files(letterboxd)).body["session_id"]
    seen, cursor = [], None
    while True:
        page = api.get(f"/api/session/{session}/movies", query={"limit": "200", **({"cursor": cursor} if cursor else {})}).body
        seen += page["movies"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len({m["id"] for m in seen}) == expected(letterboxd)["films"]
    by_name = {(m["name"], m["year"]) for m in seen}
    assert ("1917", 2019) in by_name and ("Salò, or the 120 Days of Sodom", 1975) in by_name
    assert ("Never Hike in the Snow", None) in by_name  # diary-only, no year, no URI
    castles = [m for m in seen if m["name"] == "The Haunted Castle" and m["year"] == 1897]
    assert len(castles) == 2 and all(m["viewing_count"] == 1 and m["rewatch_count"] == 0 for m in castles)
    assert api.get(f"/api/session/{session}/movies", query={"cursor": "nonsense!"}).status == 422  # not the cursor alphabet
    assert api.get(f"/api/session/{session}/movies", query={"cursor": "nonsense"}).status == 400  # not a cursor made here


def test_small_upload_merges_and_rates(api: MoviesApi) -> None:
    res = api.upload([("diary.csv", SMALL)])
    assert res.status == 201 and res.body["total_movies"] == 2, res.body
    movies = api.get(f"/api/session/{res.body['session_id']}/movies").body["movies"]
    dune = next(m for m in movies if m["name"] == "Dune")
    assert dune["viewing_count"] == 2 and dune["rewatch_count"] == 1 and dune["rating"] == 5.0
    assert dune["tags"] == ["imax", "sci-fi"]


# ---------------------------------------------------------------- hostile inputs
def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("diary.csv", b"Date,Name,Year,Letterboxd URI\n" + b"\x00" * (32 * 1024 * 1024))
    return out.getvalue()


HOSTILE = {
    "empty file": ([("diary.csv", b"")], 400, "empty_file"),
    "NUL-filled file": ([("watched.csv", b"\x00" * 4096)], 400, "not_text"),
    "wrong headers": ([("diary.csv", b"Film;Seen;Stars\nDune;2024-01-01;5\n")], 422, "wrong_headers"),
    "not Letterboxd's CSV": ([("top2018.csv", b"id,name,artists,danceability\n1,God's Plan,Drake,0.754\n")], 422, "not_letterboxd"),
    "ZIP bomb": ([("export.zip", zip_bomb())], 413, "zip_bomb"),
    "file over the size limit": ([("diary.csv", SMALL + b"2024-01-01,X,2000,,,,,2024-01-01\n" * 150_000)], 413, "export_too_large"),
    "not a ZIP though it says so": ([("export.zip", b"PK\x03\x04 this is not really a zip")], 400, "bad_zip"),
}


def test_hostile_inputs_fail_clearly_and_touch_no_other_session(api: MoviesApi) -> None:
    bystander = api.upload([("diary.csv", SMALL)]).body["session_id"]
    before = (api.get(f"/api/session/{bystander}/status").body, api.get(f"/api/session/{bystander}/movies").body,
              api.get(f"/api/session/{bystander}/stats").body)
    from backlot import db

    sessions_before = db.connection().execute("SELECT count(*) AS n FROM movies.sessions").fetchone()["n"]
    for name, (files, status, code) in HOSTILE.items():
        res = api.upload(files)
        assert res.status == status, (name, res.status, res.body)
        assert res.body["code"] == code and res.body["detail"], (name, res.body)
        assert res.headers.get("content-type", "").startswith("application/problem+json")
    # a refused upload stores nothing
    assert db.connection().execute("SELECT count(*) AS n FROM movies.sessions").fetchone()["n"] == sessions_before
    after = (api.get(f"/api/session/{bystander}/status").body, api.get(f"/api/session/{bystander}/movies").body,
             api.get(f"/api/session/{bystander}/stats").body)
    assert after == before


def test_values_not_understood_are_warnings_never_a_500(api: MoviesApi) -> None:
    """A rating of inf, a Year of ²⁰²⁰, a date 1/2/²⁰²¹ and a list Position of ³ each made the
    upload a 500 (OverflowError, ValueError); a broken file in deleted/ rejected the whole ZIP."""
    diary = SMALL + (
        "2024-04-02,Heat,1995,,inf,,,2024-04-01\r\n2024-04-03,Heat,1995,,-inf,,,2024-04-02\r\n"
        "2024-04-04,Heat,1995,,1e999,,,1/2/²⁰²¹\r\n2024-04-05,Alien,²⁰²⁰,,4,,,2024-04-04\r\n"
    ).encode()
    a_list = ("Letterboxd list export v7\r\nDate,Name,Tags,URL,Description\r\n2024-01-01,L,,,\r\n\r\n"
              "Position,Name,Year,URL,Description\r\n³,Heat,1995,,\r\n99999999999,Alien,1979,,\r\n").encode()
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("diary.csv", diary)
        archive.writestr("lists/l.csv", a_list)
        archive.writestr("deleted/diary.csv", "Date,Name\nPietà\n".encode("latin-1"))
        archive.writestr("orphaned/diary.csv", b"\x00" * 64)
        archive.writestr("profile.csv", b"")
    res = api.upload([("export.zip", data.getvalue())])
    assert res.status == 201, res.body
    details = api.get(f"/api/session/{res.body['session_id']}").body
    summary = details["summary"]
    assert summary["counts"]["films"] == 4 and summary["counts"]["viewings"] == 7 and summary["counts"]["list_entries"] == 2
    assert {f["name"]: f["kind"] for f in summary["files"]} == {
        "diary.csv": "diary", "lists/l.csv": "list", "deleted/diary.csv": "ignored", "orphaned/diary.csv": "ignored",
        "profile.csv": "ignored"}
    warnings = " ".join(summary["warnings"])
    assert all(v in warnings for v in ("'inf'", "'-inf'", "'1e999'", "'²⁰²⁰'", "'1/2/²⁰²¹'", "'³'", "'99999999999'"))
    movies = api.get(f"/api/session/{res.body['session_id']}/movies").body["movies"]
    assert {(m["name"], m["year"]) for m in movies} == {("Dune", 2021), ("Crouching Tiger, Hidden Dragon", 2000),
                                                         ("Heat", 1995), ("Alien", None)}


def test_odd_digits_in_the_content_length_and_the_cursor(api: MoviesApi) -> None:
    import base64

    from urllib3 import encode_multipart_formdata

    body, ctype = encode_multipart_formdata([("files", ("diary.csv", SMALL, "text/csv"))])
    # 5000 digits passed isdigit() and then int() raised (over its 4300 digits): a 500; "²" is
    # isdigit() too, but int() refuses it (Mangum hands headers over UTF-8 encoded, so here it is "Â²")
    for declared in ("²", "١٢", "9" * 5000):
        res = api.call("POST", "/api/upload", user=None, body=body, content_type=ctype, headers={"content-length": declared})
        assert res.status in (201, 413), (declared, res.status, res.body)
    session = api.upload([("diary.csv", SMALL)]).body["session_id"]
    for raw in ("p²", "p١", "p" + "9" * 40):  # int("١") is 1: only ASCII digits, and a position that can be one
        cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
        res = api.get(f"/api/session/{session}/movies", query={"cursor": cursor})
        assert res.status == 400 and res.body["code"] == "invalid_cursor", (raw, res.body)


def test_unknown_and_malformed_session_ids(api: MoviesApi) -> None:
    unknown = uuid.uuid4()
    for path in ("/status", "", "/movies", "/stats"):
        res = api.get(f"/api/session/{unknown}{path}")
        assert res.status == 404 and res.body["code"] == "session_not_found", (path, res.body)
        assert api.get(f"/api/session/not-a-uuid{path}").status == 422
    assert api.delete(f"/api/session/{unknown}").status == 404


def test_upload_without_files(api: MoviesApi) -> None:
    assert api.call("POST", "/api/upload", user=None, json_body={"files": []}).status == 400
    res = api.upload([])
    assert res.status == 400, res.body


# ---------------------------------------------------------------- privacy
def _rows_of(session_id: str) -> int:
    from backlot import db

    tables = ["films", "viewings", "ratings", "reviews", "watchlist", "likes", "lists", "list_entries"]
    query = " + ".join(f"(SELECT count(*) FROM movies.{t} WHERE session_id = %(s)s)" for t in tables)
    return db.connection().execute(f"SELECT {query} AS n", {"s": session_id}).fetchone()["n"]


def test_delete_removes_everything_at_once(api: MoviesApi, letterboxd: Path) -> None:
    keep = api.upload([("diary.csv", SMALL)]).body["session_id"]
    gone = api.upload(export_files(letterboxd)).body["session_id"]
    assert _rows_of(gone) > 5000
    assert api.delete(f"/api/session/{gone}").status == 204
    assert api.get(f"/api/session/{gone}/status").status == 404
    assert _rows_of(gone) == 0
    assert api.delete(f"/api/session/{gone}").status == 404
    assert api.get(f"/api/session/{keep}/status").body["status"] == "completed" and _rows_of(keep) > 0


def test_nightly_expiry_deletes_expired_sessions_only(api: MoviesApi, shared_data: Path) -> None:
    import json

    from backlot import db
    from movies.jobs import expire_handler
    from tests.support.apigw import LambdaContext

    old = api.upload([("diary.csv", SMALL)]).body["session_id"]
    fresh = api.upload([("diary.csv", SMALL)]).body["session_id"]
    db.connection().execute("UPDATE movies.sessions SET expires_at = now() - interval '1 minute' WHERE id = %s", (old,))
    assert api.get(f"/api/session/{old}/status").status == 404  # expired is gone for readers at once
    event = json.loads((shared_data / "aws-events/powertools/eventBridgeSchedulerEvent.json").read_text())
    result = expire_handler(event, LambdaContext())
    assert result["deleted"] >= 1
    assert _rows_of(old) == 0 and db.connection().execute("SELECT 1 FROM movies.sessions WHERE id = %s", (old,)).fetchone() is None
    assert api.get(f"/api/session/{fresh}/status").body["status"] == "completed"
