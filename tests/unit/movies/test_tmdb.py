"""The TMDB adapter: even pacing, retries with backoff and Retry-After, errors without the key, and
no attempt or backoff past the invocation's deadline."""

from __future__ import annotations

import time

import pytest

from movies.tmdb import RateLimiter, TmdbClient, TmdbNotFound, TmdbOutOfTime, TmdbUnavailable
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
    assert caught.value.code == "tmdb_http_500"  # issue 9: the reason a film keeps


def test_the_reason_code_names_the_status(fake: FakeTmdb) -> None:
    fake.fail_titles.add("Dune")
    fake.fail_status = 503
    with pytest.raises(TmdbUnavailable) as caught:
        client(fake, retries=0).search_movie("Dune")
    assert caught.value.code == "tmdb_http_503"


def test_bad_key_is_unavailable_without_the_key_in_the_message(fake: FakeTmdb) -> None:
    with pytest.raises(TmdbUnavailable) as caught:
        client(fake, key="wrong-secret-key").search_movie("Dune")
    assert "401" in str(caught.value) and "wrong-secret-key" not in str(caught.value)
    assert caught.value.code == "tmdb_http_401"


def test_unreachable_server() -> None:
    tmdb = TmdbClient("k", base_url="http://127.0.0.1:9", retries=0, timeout_s=0.5, limiter=RateLimiter(1000))
    with pytest.raises(TmdbUnavailable) as caught:
        tmdb.search_movie("Dune")
    assert caught.value.code == "tmdb_unreachable"


# ---------------------------------------------------------------- the invocation's deadline
def deadline_client(fake: FakeTmdb, seconds_left: float, *, timeout_s: float, retries: int = 10) -> TmdbClient:
    return TmdbClient(fake.api_key, base_url=fake.url, retries=retries, timeout_s=timeout_s, limiter=RateLimiter(1000),
                      deadline=time.monotonic() + seconds_left)


def test_a_slow_tmdb_is_given_up_within_the_deadline(fake: FakeTmdb) -> None:
    """Each attempt times out (TMDB answers in 3 s, an attempt waits 0.5 s); with retries to spare
    the client still stops when less than one attempt is left before the deadline."""
    fake.delay_s = 3.0
    started = time.monotonic()
    with pytest.raises(TmdbOutOfTime):
        deadline_client(fake, 1.8, timeout_s=0.5).search_movie("Dune", 1984)
    elapsed = time.monotonic() - started
    assert elapsed <= 1.8, elapsed
    # attempts at 0 and 0.5 s (no backoff before the first retry); a third, after 1 s of backoff, would not fit
    assert len(fake.requests) == 2, fake.requests


def test_a_failing_tmdb_is_not_waited_on_past_the_deadline(fake: FakeTmdb) -> None:
    """500s are retried with backoff (0, then 1, 2, 4 s...): tries at 0 s, 0 s and after 1 s; the
    next backoff (2 s) would leave less than one attempt (1 s) before the deadline (2.5 s), so it
    is not slept and the request gives up at about 1 s."""
    fake.fail_titles.add("Dune")
    started = time.monotonic()
    with pytest.raises(TmdbOutOfTime) as caught:
        deadline_client(fake, 2.5, timeout_s=1.0).search_movie("Dune")
    assert time.monotonic() - started < 1.6
    assert fake.statuses() == [500, 500, 500]
    assert "out of time" in str(caught.value) and fake.api_key not in str(caught.value)


def test_retry_after_longer_than_the_time_left_gives_up_at_once(fake: FakeTmdb) -> None:
    fake.throttle(5)  # 429 with Retry-After: 1
    started = time.monotonic()
    with pytest.raises(TmdbOutOfTime):
        deadline_client(fake, 1.5, timeout_s=1.0).search_movie("Dune", 1984)
    assert time.monotonic() - started < 0.5 and fake.statuses() == [429]


def test_no_attempt_starts_without_the_time_for_one(fake: FakeTmdb) -> None:
    tmdb = deadline_client(fake, 0.4, timeout_s=0.5)
    assert not tmdb.has_time()
    with pytest.raises(TmdbOutOfTime):
        tmdb.movie_details(841)
    assert fake.requests == []


def test_within_the_deadline_nothing_changes(fake: FakeTmdb) -> None:
    fake.throttle(1)
    tmdb = deadline_client(fake, 30, timeout_s=2.0)
    assert tmdb.has_time() and [r["id"] for r in tmdb.search_movie("Dune", 1984)] == [841]
    assert fake.statuses() == [429, 200]
