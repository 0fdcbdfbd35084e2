"""The movies product over HTTP against ``backlot dev``, as a client would: the real Letterboxd export
uploaded as a ZIP built from it and as its CSVs, the presigned path through S3 -> SQS -> the parse
function -> SQS -> the enrich function -> TMDB (the fake, ``fake_tmdb``) as the templates wire it,
hostile inputs, unknown sessions and deletion.

TMDB: ``dev_server`` gives the fake's key to the parse and enrich functions only (see
``tests/e2e/conftest.py``), so a direct upload is the no-key path (completed, enrichment skipped)
and a presigned upload is enriched.

The expected film, viewing and rewatch counts are computed from the CSVs by
``tests/integration/movies/expected.py``, independently of the product's parser.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.integration.movies.conftest import export_files, export_zip
from tests.integration.movies.expected import expected
from tests.integration.movies.test_api import HOSTILE, SMALL
from tests.support.fake_tmdb import COUNTRIES, GENRES, FakeMovie, FakeTmdb

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client(dev_server) -> httpx.Client:
    with httpx.Client(base_url=dev_server.url, timeout=60) as http:  # anonymous: no token at all
        yield http


@pytest.fixture(scope="module")
def letterboxd(shared_data: Path) -> Path:
    folder = shared_data / "letterboxd" / "patrickmjones"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    return folder


def upload(client: httpx.Client, files: list[tuple[str, bytes]]) -> httpx.Response:
    parts = [("files", (name, data, "application/zip" if name.endswith(".zip") else "text/csv")) for name, data in files]
    return client.post("/movies/api/upload", files=parts)


def wait_done(client: httpx.Client, session: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = client.get(f"/movies/api/session/{session}/status").json()
        if status["status"] in ("completed", "failed") or time.monotonic() > deadline:
            return status
        time.sleep(0.5)


def check_counts(client: httpx.Client, session: str, want: dict, status: dict | None = None) -> dict:
    status = status or wait_done(client, session)
    assert status["status"] == "completed" and status["total_movies"] == want["films"], status
    stats = client.get(f"/movies/api/session/{session}/stats").json()
    o = stats["overview"]
    assert (o["films"], o["viewings"], o["rewatches"]) == (want["films"], want["viewings"], want["rewatches"])
    assert {y["year"]: y["viewings"] for y in stats["per_year"]} == want["per_year"]
    assert {r["rating"]: r["films"] for r in stats["rating_distribution"] if r["films"]} == dict(want["ratings"])
    assert stats["rewatches"]["flagged"] == want["rewatches_flagged"]
    return stats


def check_skipped(stats: dict) -> None:
    """A direct upload has no TMDB key (see the module docstring): completed, enrichment skipped."""
    assert stats["enrichment"]["status"] == "skipped" and "no TMDB API key" in stats["enrichment"]["note"], stats["enrichment"]
    assert stats["enrichment"]["matched_films"] == 0 and stats["genres"] is None and stats["overview"]["hours"] is None


def test_real_export_as_zip(client: httpx.Client, letterboxd: Path) -> None:
    res = upload(client, [("letterboxd-patrickmjones.zip", export_zip(letterboxd))])
    assert res.status_code == 201, res.text
    assert set(res.json()) == {"session_id", "status", "total_movies"}
    assert res.json()["status"] == "completed"  # parsed in the request; no key, so nothing to wait for
    check_skipped(check_counts(client, res.json()["session_id"], expected(letterboxd)))


def test_real_export_as_csvs(client: httpx.Client, letterboxd: Path) -> None:
    res = upload(client, export_files(letterboxd))
    assert res.status_code == 201, res.text
    check_skipped(check_counts(client, res.json()["session_id"], expected(letterboxd)))


#: Films of the export the fake TMDB knows, with TMDB's data for them (id, release date, runtime,
#: genres, directors, production countries; genres outside the fake's list are left out). Two films
#: called "Godzilla" check that the year picks the right one.
CATALOGUE = [
    FakeMovie(496243, "Parasite", "2019-05-30", runtime=133, genres=["Comedy", "Thriller", "Drama"], directors=["Bong Joon Ho"], countries=["KR"]),
    FakeMovie(11423, "Memories of Murder", "2003-05-02", runtime=132, genres=["Crime", "Drama", "Thriller"], directors=["Bong Joon Ho"], countries=["KR"]),
    FakeMovie(1255, "The Host", "2006-07-27", runtime=120, genres=["Horror", "Drama", "Science Fiction"], directors=["Bong Joon Ho"], countries=["KR"]),
    FakeMovie(110415, "Snowpiercer", "2013-08-01", runtime=126, genres=["Action", "Science Fiction", "Drama"], directors=["Bong Joon Ho"], countries=["KR", "US"]),
    FakeMovie(387426, "Okja", "2017-06-28", runtime=121, genres=["Adventure", "Drama", "Science Fiction"], directors=["Bong Joon Ho"], countries=["KR", "US"]),
    FakeMovie(9270, "Brick", "2005-04-08", runtime=110, genres=["Crime", "Drama", "Mystery", "Thriller"], directors=["Rian Johnson"], countries=["US"]),
    FakeMovie(1678, "Godzilla", "1954-11-03", runtime=96, genres=["Horror", "Science Fiction"], directors=["Ishirō Honda"], countries=["JP"]),
    FakeMovie(124905, "Godzilla", "2014-05-14", runtime=123, genres=["Action", "Science Fiction", "Thriller"], directors=["Gareth Edwards"], countries=["US"]),
    FakeMovie(843, "In the Mood for Love", "2000-09-29", runtime=99, genres=["Drama"], directors=["Wong Kar-wai"], countries=["HK"]),
    FakeMovie(11104, "Chungking Express", "1994-07-14", runtime=102, genres=["Drama", "Comedy"], directors=["Wong Kar-wai"], countries=["HK"]),
    FakeMovie(12101, "Soylent Green", "1973-04-19", runtime=97, genres=["Science Fiction", "Thriller", "Mystery"], directors=["Richard Fleischer"], countries=["US"]),
]
#: A film of the export whose every search the fake answers 500: it must end ``failed``, not stall the session.
FAILING = ("Mother", 2009)


def all_films(client: httpx.Client, session: str) -> list[dict]:
    films, cursor = [], None
    while True:
        page = client.get(f"/movies/api/session/{session}/movies", params={"limit": 200, **({"cursor": cursor} if cursor else {})}).json()
        films += page["movies"]
        if not (cursor := page["next_cursor"]):
            return films


def tmdb_values(movie: FakeMovie) -> dict:
    """What the product should keep of ``movie``'s TMDB details (genre and country names)."""
    names = dict(COUNTRIES)
    return {"tmdb_id": movie.id, "runtime_minutes": movie.runtime, "directors": movie.directors,
            "genres": [g for _, g in GENRES if g in movie.genres], "countries": [names[c] for c in movie.countries]}


def tally(values: list[dict], key: str) -> dict[str, int]:
    """Films per genre, director or country."""
    out: dict[str, int] = {}
    for value in values:
        for item in value[key]:
            out[item] = out.get(item, 0) + 1
    return out


def test_real_export_through_a_presigned_post_is_enriched(client: httpx.Client, letterboxd: Path, fake_tmdb: FakeTmdb) -> None:
    """The presigned path end to end with TMDB: processing -> enriching -> completed; the films the
    fake knows matched (to the right one of two same-titled films by year), the rest not found and
    one that TMDB keeps failing ``failed`` after the queue's redeliveries, and the statistics' genres,
    directors, countries and hours from exactly the matched films."""
    for movie in CATALOGUE:
        fake_tmdb.add(movie)
    fake_tmdb.fail_titles.add(FAILING[0])
    first_request = len(fake_tmdb.requests)
    want = expected(letterboxd)
    data = export_zip(letterboxd)
    ask = client.post("/movies/api/uploads", json={"filename": "export.zip", "content_type": "application/zip", "size_bytes": len(data)})
    assert ask.status_code == 201, ask.text
    session, target = ask.json()["session_id"], ask.json()["upload"]
    seen = [client.get(f"/movies/api/session/{session}/status").json()]
    assert seen[0]["status"] == "processing" and seen[0]["progress"]["stage"] == "awaiting_upload", seen[0]
    res = httpx.post(target["url"], data=target["fields"], files={"file": ("export.zip", data, "application/zip")}, timeout=60)
    assert res.status_code in (200, 201, 204), res.text

    deadline = time.monotonic() + 240
    while seen[-1]["status"] not in ("completed", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
        seen.append(client.get(f"/movies/api/session/{session}/status").json())
    states = [s["status"] for i, s in enumerate(seen) if i == 0 or s["status"] != seen[i - 1]["status"]]
    assert states == ["processing", "enriching", "completed"], (states, seen[-1])
    during = [s["progress"] for s in seen if s["status"] == "enriching"]
    assert all(20 <= p["percent"] <= 99 and p["films_total"] == want["films"] for p in during), during
    assert any(p["films_pending"] > 0 for p in during)

    status = seen[-1]
    assert status["enrichment"] == "done" and status["progress"]["percent"] == 100, status
    progress = status["progress"]
    assert (progress["films_matched"], progress["films_failed"], progress["films_pending"]) == (len(CATALOGUE), 1, 0), progress
    stats = check_counts(client, session, want, status)

    films = all_films(client, session)
    assert len(films) == want["films"]
    by_key = {(f["name"], f["year"]): f for f in films}
    for movie in CATALOGUE:
        film = by_key[(movie.title, int(movie.release_date[:4]))]
        want_values = tmdb_values(movie)
        assert film["enrichment_status"] == "matched" and {k: film[k] for k in want_values} == want_values, film
    matched = [f for f in films if f["enrichment_status"] == "matched"]
    assert len(matched) == len(CATALOGUE)
    assert by_key[FAILING]["enrichment_status"] == "failed" and by_key[FAILING]["tmdb_id"] is None
    rest = [f for f in films if f["enrichment_status"] not in ("matched", "failed")]
    assert {f["enrichment_status"] for f in rest} <= {"not_found", "ambiguous"} and len(rest) == want["films"] - len(CATALOGUE) - 1
    assert all(f["tmdb_id"] is None and not f["genres"] and f["runtime_minutes"] is None for f in rest)

    assert stats["status"] == "completed" and stats["enrichment"]["status"] == "done"
    assert stats["enrichment"]["matched_films"] == len(CATALOGUE)
    assert stats["enrichment"]["coverage"] == round(len(CATALOGUE) / want["films"], 3)
    for key in ("genres", "directors", "countries"):
        assert {g["name"]: g["films"] for g in stats[key]} == tally([tmdb_values(m) for m in CATALOGUE], key), key
    assert {d["name"]: d["films"] for d in stats["directors"]}["Bong Joon Ho"] == 5
    minutes = sum(f["runtime_minutes"] * f["viewing_count"] for f in matched)
    assert minutes > 0 and stats["overview"]["hours"] == round(minutes / 60, 1)

    asked = fake_tmdb.requests[first_request:]
    assert 401 not in {r["status"] for r in asked}  # the key reached the enrich function
    failing_searches = [r for r in asked if r["params"].get("query") == FAILING[0]]
    assert len(failing_searches) >= 3 * 2  # 3 deliveries (maxReceiveCount) x (1 try + TMDB_RETRIES 1)
    assert {r["params"]["append_to_response"] for r in asked if r["path"].startswith("/3/movie/")} == {"credits"}


def test_hostile_inputs_and_bystanders(client: httpx.Client) -> None:
    bystander = upload(client, [("diary.csv", SMALL)]).json()["session_id"]
    before = client.get(f"/movies/api/session/{bystander}/movies").json()
    for name, (files, status, code) in HOSTILE.items():
        res = upload(client, files)
        body = res.json()
        if name == "file over the size limit" and "code" not in body:
            # over Lambda's 6 MB synchronous payload once base64-encoded: the gateway answers before
            # the function runs, as API Gateway does ({"message": "Request Entity Too Large"})
            assert res.status_code == 413 and body == {"message": "Request Entity Too Large"}, body
            continue
        assert res.status_code == status and body.get("code") == code, (name, res.status_code, res.text[:300])
    assert client.get(f"/movies/api/session/{bystander}/movies").json() == before
    assert client.get(f"/movies/api/session/{uuid.uuid4()}/status").status_code == 404


def test_delete_at_once(client: httpx.Client) -> None:
    session = upload(client, [("diary.csv", SMALL)]).json()["session_id"]
    assert client.get(f"/movies/api/session/{session}").status_code == 200
    assert client.delete(f"/movies/api/session/{session}").status_code == 204
    assert client.get(f"/movies/api/session/{session}/stats").status_code == 404
