"""TMDB enrichment through the real queues against a fake TMDB speaking TMDB's shapes: matching by
title and year, ambiguity, 429 with Retry-After, the rate limit, and a film that keeps failing
going to the dead-letter queue without stalling its session."""

from __future__ import annotations

import json
import time
from pathlib import Path

import boto3
import pytest

from tests.integration.movies.conftest import MoviesApi, export_zip
from tests.integration.movies.expected import expected
from tests.support.clients import QueueDriver
from tests.support.fake_tmdb import FakeMovie, FakeTmdb

pytestmark = pytest.mark.integration

WATCHED = (
    "Date,Name,Year,Letterboxd URI\n"
    "2024-01-01,Dune,1984,https://boxd.it/d84\n"
    "2024-01-01,Dune,2021,https://boxd.it/d21\n"
    "2024-01-01,The Haunted Castle,1897,https://boxd.it/hc1\n"
    "2024-01-01,The Haunted Castle,1897,https://boxd.it/hc2\n"
    "2024-01-01,Le Samouraï,1967,https://boxd.it/sam\n"
    "2024-01-01,Halloween,,https://boxd.it/hal\n"
    "2024-01-01,Nowhere To Be Found At All,2003,https://boxd.it/nf\n"
).encode()
DIARY = (
    "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
    "2024-01-02,Dune,1984,https://boxd.it/e1,3,,,2024-01-01\n"
    "2024-01-03,Dune,2021,https://boxd.it/e2,4.5,,,2024-01-02\n"
    "2024-01-04,Dune,2021,https://boxd.it/e3,5,Yes,,2024-01-03\n"
).encode()


def catalogue(fake: FakeTmdb) -> None:
    fake.synthesize = False
    fake.add(FakeMovie(841, "Dune", "1984-12-14", runtime=137, genres=["Science Fiction", "Adventure"], directors=["David Lynch"]))
    fake.add(FakeMovie(438631, "Dune", "2021-09-15", runtime=155, genres=["Science Fiction"], directors=["Denis Villeneuve"],
                       popularity=500.0))
    fake.add(FakeMovie(1001, "The Haunted Castle", "1897-01-01", runtime=1))
    fake.add(FakeMovie(1002, "The Haunted Castle", "1897-06-01", runtime=2))
    fake.add(FakeMovie(5511, "Le Samouraï", "1967-10-25", runtime=105, genres=["Crime", "Thriller"],
                       directors=["Jean-Pierre Melville"], countries=["FR"]))
    fake.add(FakeMovie(948, "Halloween", "1978-10-24", popularity=80.0))
    fake.add(FakeMovie(424139, "Halloween", "2018-10-18", popularity=90.0))


def run(api: MoviesApi, queue: QueueDriver, files: list[tuple[str, bytes]]) -> str:
    res = api.upload(files)
    assert res.status == 201 and res.body["status"] == "enriching", res.body
    session = res.body["session_id"]
    status = api.get(f"/api/session/{session}/status").body
    assert status["status"] == "enriching" and 0 < status["progress"]["percent"] < 100
    queue.drain()
    return session


def films(api: MoviesApi, session: str) -> dict[tuple, list[dict]]:
    out: dict[tuple, list[dict]] = {}
    for m in api.get(f"/api/session/{session}/movies", query={"limit": "200"}).body["movies"]:
        out.setdefault((m["name"], m["year"]), []).append(m)
    return out


def test_matches_by_title_and_year_never_mixing_up_same_titles(api: MoviesApi, enrich_queue: QueueDriver, tmdb: FakeTmdb) -> None:
    catalogue(tmdb)
    session = run(api, enrich_queue, [("watched.csv", WATCHED), ("diary.csv", DIARY)])
    status = api.get(f"/api/session/{session}/status").body
    assert status["status"] == "completed" and status["progress"]["percent"] == 100, status
    got = films(api, session)
    dune84, dune21 = got[("Dune", 1984)][0], got[("Dune", 2021)][0]
    assert (dune84["tmdb_id"], dune84["directors"], dune84["runtime_minutes"]) == (841, ["David Lynch"], 137)
    assert (dune21["tmdb_id"], dune21["directors"]) == (438631, ["Denis Villeneuve"])
    assert dune84["match_confidence"] == pytest.approx(1.0) and dune84["enrichment_status"] == "matched"
    samourai = got[("Le Samouraï", 1967)][0]
    assert samourai["tmdb_id"] == 5511 and samourai["countries"] == ["France"] and samourai["genres"] == ["Crime", "Thriller"]
    # two films of one title and year in the export, or a title without a year that fits two films: no guess
    assert [m["enrichment_status"] for m in got[("The Haunted Castle", 1897)]] == ["ambiguous", "ambiguous"]
    assert got[("Halloween", None)][0]["enrichment_status"] == "ambiguous" and got[("Halloween", None)][0]["tmdb_id"] is None
    assert got[("Nowhere To Be Found At All", 2003)][0]["enrichment_status"] == "not_found"
    stats = api.get(f"/api/session/{session}/stats").body
    assert stats["enrichment"]["status"] == "done" and stats["enrichment"]["matched_films"] == 3
    assert {d["name"]: d["films"] for d in stats["directors"]} == {"David Lynch": 1, "Denis Villeneuve": 1, "Jean-Pierre Melville": 1}
    assert {g["name"]: g["films"] for g in stats["genres"]}["Science Fiction"] == 2
    # hours per year: 137 + 155 + 155 minutes of viewings in 2024
    assert stats["per_year"] == [{"year": 2024, "films": 2, "viewings": 3, "rewatches": 1, "hours": 7.5, "viewings_with_runtime": 3}]


def test_429_with_retry_after_is_waited_out(api: MoviesApi, enrich_queue: QueueDriver, tmdb: FakeTmdb) -> None:
    catalogue(tmdb)
    tmdb.throttle(2)
    started = time.monotonic()
    session = run(api, enrich_queue, [("watched.csv", WATCHED)])
    assert api.get(f"/api/session/{session}/status").body["status"] == "completed"
    assert tmdb.statuses()[:2] == [429, 429] and time.monotonic() - started >= 2.0  # Retry-After: 1, twice
    assert films(api, session)[("Dune", 1984)][0]["tmdb_id"] == 841


def test_requests_stay_under_the_rate_limit(api: MoviesApi, enrich_queue: QueueDriver, tmdb: FakeTmdb,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from movies.settings import get_settings

    monkeypatch.setenv("TMDB_REQUESTS_PER_SECOND", "8")
    get_settings.cache_clear()
    tmdb.rate_limit = 12  # the fake refuses more than 12 requests in any second
    rows = "".join(f"2024-01-01,Film Number {i},{1990 + i},https://boxd.it/f{i}\n" for i in range(12))
    session = run(api, enrich_queue, [("watched.csv", ("Date,Name,Year,Letterboxd URI\n" + rows).encode())])
    assert api.get(f"/api/session/{session}/status").body["progress"]["films_matched"] == 12
    times = [r["at"] for r in tmdb.requests]
    assert len(times) == 24 and 429 not in tmdb.statuses()
    busiest = max(sum(1 for t in times if s <= t < s + 1.0) for s in times)
    assert busiest <= 8 + 1, busiest  # the bucket's burst (one second's worth) plus the one in flight


def test_a_film_that_keeps_failing_goes_to_the_dlq_without_stalling(api: MoviesApi, enrich_queue: QueueDriver,
                                                                   tmdb: FakeTmdb, movies_env: dict) -> None:
    catalogue(tmdb)
    tmdb.fail_titles.add("Le Samouraï")
    sqs = boto3.client("sqs")
    dlq = movies_env["enrich_dlq"]
    sqs.purge_queue(QueueUrl=dlq)
    res = api.upload([("watched.csv", WATCHED)])
    session = res.body["session_id"]
    deadline = time.monotonic() + 60
    while api.get(f"/api/session/{session}/status").body["status"] == "enriching" and time.monotonic() < deadline:
        enrich_queue.drain()  # redeliveries after the 1 s visibility timeout, up to maxReceiveCount 3
        time.sleep(1.1)
    status = api.get(f"/api/session/{session}/status").body
    assert status["status"] == "completed", status
    assert status["progress"]["films_failed"] == 1 and status["progress"]["films_pending"] == 0
    got = films(api, session)
    assert got[("Le Samouraï", 1967)][0]["enrichment_status"] == "failed"
    assert got[("Dune", 1984)][0]["enrichment_status"] == "matched"  # the rest of the batch was not held back
    time.sleep(1.1)
    enrich_queue.drain()  # moto moves the message on the receive after its last allowed one
    moved = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    assert moved and json.loads(moved[0]["Body"])["session_id"] == session
    searches = [r for r in tmdb.requests if r["params"].get("query") == "Le Samouraï"]
    assert len(searches) >= 3 * 3  # 3 deliveries x (1 try + 2 retries of the client)


def test_real_export_enriched_end_to_end(api: MoviesApi, enrich_queue: QueueDriver, tmdb: FakeTmdb, letterboxd: Path) -> None:
    want = expected(letterboxd)
    session = run(api, enrich_queue, [("export.zip", export_zip(letterboxd))])
    status = api.get(f"/api/session/{session}/status").body
    assert status["status"] == "completed" and status["total_movies"] == want["films"], status
    stats = api.get(f"/api/session/{session}/stats").body
    assert (stats["overview"]["films"], stats["overview"]["viewings"], stats["overview"]["rewatches"]) == \
        (want["films"], want["viewings"], want["rewatches"])
    assert stats["genres"] and stats["directors"] and stats["countries"] and stats["overview"]["hours"] > 0
    assert all(y["hours"] is not None for y in stats["per_year"])
    assert stats["enrichment"]["coverage"] > 0.95
