"""The TMDB adapter: even pacing, retries with backoff and Retry-After, errors without the key."""

from __future__ import annotations

import pytest

from movies.tmdb import RateLimiter, TmdbClient, TmdbNotFound, TmdbUnavailable
from tests.support.fake_tmdb import FakeMovie, FakeTmdb


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_rate_limiter_paces_requests_evenly() -> None:
    clock = Clock()
    limiter = RateLimiter(20, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(60):
        limiter.acquire()
        stamps.append(clock.now)
    assert stamps[-1] == pytest.approx(59 / 20)
    assert max(sum(1 for t in stamps if s <= t < s + 1.0) for s in stamps) <= 21


def test_rate_limiter_refills_while_idle() -> None:
    clock = Clock()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    clock.now += 5
    assert limiter.acquire() == 0.0


@pytest.fixture()
def fake():
    with FakeTmdb(synthesize=False) as server:
        server.add(FakeMovie(841, "Dune", "1984-12-14", directors=["David Lynch"]))
        yield server


def client(fake: FakeTmdb, key: str | None = None, retries: int = 2) -> TmdbClient:
    return TmdbClient(key or fake.api_key, base_url=fake.url, requests_per_second=1000, retries=retries,
                      limiter=RateLimiter(1000))


def test_search_and_details_shapes(fake: FakeTmdb) -> None:
    tmdb = client(fake)
    results = tmdb.search_movie("Dune", 1984)
    assert [r["id"] for r in results] == [841] and results[0]["release_date"] == "1984-12-14"
    details = tmdb.movie_details(841)
    assert details["credits"]["crew"][0]["job"] == "Director" and details["runtime"] == 100
    assert fake.requests[0]["params"]["year"] == "1984" and fake.requests[1]["params"]["append_to_response"] == "credits"
    with pytest.raises(TmdbNotFound):
        tmdb.movie_details(5)


def test_bearer_token_goes_in_the_header(fake: FakeTmdb) -> None:
    fake.api_key = "eyJhbGciOiJIUzI1NiJ9.test"
    assert client(fake).search_movie("Dune")
    assert "api_key" not in fake.requests[-1]["params"]


def test_429_is_retried_after_the_header_says(fake: FakeTmdb) -> None:
    fake.throttle(1)
    assert client(fake).search_movie("Dune", 1984)
    assert fake.statuses() == [429, 200]


def test_5xx_gives_up_after_retries_and_never_leaks_the_key(fake: FakeTmdb) -> None:
    fake.fail_titles.add("Dune")
    with pytest.raises(TmdbUnavailable) as caught:
        client(fake, retries=1).search_movie("Dune")
    assert fake.statuses() == [500, 500] and fake.api_key not in str(caught.value)


def test_bad_key_is_unavailable_without_the_key_in_the_message(fake: FakeTmdb) -> None:
    with pytest.raises(TmdbUnavailable) as caught:
        client(fake, key="wrong-secret-key").search_movie("Dune")
    assert "401" in str(caught.value) and "wrong-secret-key" not in str(caught.value)


def test_unreachable_server() -> None:
    tmdb = TmdbClient("k", base_url="http://127.0.0.1:9", retries=0, timeout_s=0.5, limiter=RateLimiter(1000))
    with pytest.raises(TmdbUnavailable):
        tmdb.search_movie("Dune")
