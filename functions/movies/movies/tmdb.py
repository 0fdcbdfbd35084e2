"""The TMDB adapter: movie search and details over HTTPS, rate-limited, with retries and backoff.

Endpoints (TMDB API v3 reference, developer.themoviedb.org):

* ``GET /3/search/movie?query=&year=&include_adult=false&language=en-US&page=1`` answers
  ``{"page", "results": [{"id", "title", "original_title", "release_date": "YYYY-MM-DD" or "",
  "popularity", "poster_path", "genre_ids", ...}], "total_pages", "total_results"}``.
* ``GET /3/movie/{id}?append_to_response=credits`` answers the movie (``genres: [{id, name}]``,
  ``runtime`` in minutes, ``production_countries: [{iso_3166_1, name}]``, ``poster_path``,
  ``release_date``, ...) with ``credits: {"cast": [...], "crew": [{"job": "Director", "name", ...}]}``.
* Errors answer ``{"success": false, "status_code": <TMDB code>, "status_message": ...}``: 401
  (code 7, invalid key), 404 (code 34, not found), 429 (code 25, over the rate limit, with
  ``Retry-After``).

Authentication: a v4 read access token (a JWT, ``eyJ...``) goes in ``Authorization: Bearer``; a
v3 key in the ``api_key`` query parameter. The key is never logged nor put in error messages.

Rate limit: TMDB allows roughly 40-50 requests per second per IP ("Rate Limiting" in TMDB's
docs); each execution environment spends at most ``requests_per_second`` through a token bucket
shared by every client in the process. Retries: urllib3's ``Retry`` (the library botocore itself
sends requests with) decides: connection errors, 429 and 5xx are retried with exponential backoff
and jitter, honouring ``Retry-After`` (capped at 10 s so a bad header cannot eat the function's time).

Deadline: the client makes each attempt itself (the pool does a single try), so it can stop when
the invocation runs out of time. With a ``deadline`` (a ``time.monotonic()`` instant), no attempt
starts unless ``timeout_s`` (the longest one attempt waits) is left before it, and no backoff is
slept that would leave less than that: the request raises :class:`TmdbOutOfTime` instead, so the
caller gives the film up for this delivery and returns before Lambda kills the invocation.
Without a deadline a request takes at most ``(retries + 1) x timeout_s`` plus the backoffs
(0, 1, 2, 4, 8 s... or ``Retry-After``): with the defaults 5 x 5 s + 7 s, about 32 s.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import urllib3
from urllib3.util.retry import Retry


class TmdbUnavailable(Exception):
    """TMDB could not answer after retries (network, 429, 5xx) or refused the key: try later.

    ``code`` says why, stored with each film it left without data (issue 9 item 6):
    ``tmdb_unreachable`` (no answer: refused, reset, timed out), ``tmdb_http_<status>`` (e.g.
    ``tmdb_http_503``, ``tmdb_http_401`` for a refused key), ``tmdb_invalid_json``, ``out_of_time``.
    """

    def __init__(self, message: str, code: str = "tmdb_unavailable"):
        super().__init__(message)
        self.code = code


class TmdbOutOfTime(TmdbUnavailable):
    """Less of the invocation's time is left than one more attempt (or its backoff) needs."""

    def __init__(self, message: str):
        super().__init__(message, "out_of_time")


class TmdbNotFound(Exception):
    """TMDB has no such movie (404)."""


class RateLimiter:
    """A token bucket: ``acquire`` returns at once while tokens remain, else sleeps until one is due.

    Args:
        rate: tokens per second.
        burst: most tokens held. The default, 1, paces requests evenly ``1/rate`` apart, so no
            one-second window ever holds more than ``rate + 1`` requests (a bucket holding a
            second's worth would allow twice the rate across a window boundary).
    """

    def __init__(self, rate: float, burst: float | None = None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else 1.0
        self.tokens = self.burst
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token; returns the seconds slept."""
        with self._lock:
            now = self._clock()
            self.tokens = min(self.burst, self.tokens + (now - self._last) * self.rate)
            self._last = now
            self.tokens -= 1
            wait = -self.tokens / self.rate if self.tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait


_limiters: dict[float, RateLimiter] = {}
_limiters_lock = threading.Lock()


def process_limiter(rate: float) -> RateLimiter:
    """The process-wide limiter for ``rate`` (one per execution environment)."""
    with _limiters_lock:
        if rate not in _limiters:
            _limiters[rate] = RateLimiter(rate)
        return _limiters[rate]


class _TmdbRetry(Retry):
    RETRY_AFTER_CAP_S = 10.0

    def parse_retry_after(self, retry_after: str) -> float:
        return min(super().parse_retry_after(retry_after), self.RETRY_AFTER_CAP_S)


def default_retry(retries: int) -> Retry:
    """Retries for idempotent GETs: connection errors, 429 and 5xx; no backoff before the first retry,
    then 1 s doubling up to 8 s (plus up to 0.25 s of jitter), or what ``Retry-After`` says."""
    options = dict(
        total=retries, connect=retries, read=retries, status=retries, other=0, redirect=2,
        backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504), allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True, raise_on_status=False,
    )
    try:  # urllib3 2.x: jitter and a backoff cap; 1.26 (older botocore bundles) has neither argument
        return _TmdbRetry(**options, backoff_max=8.0, backoff_jitter=0.25)
    except TypeError:
        return _TmdbRetry(**options)


#: What the pool does on its own: one attempt (redirects followed); ``TmdbClient`` retries itself.
_ONE_ATTEMPT = Retry(total=None, connect=0, read=0, status=0, other=0, redirect=2, raise_on_status=False)


class TmdbClient:
    """Search and details calls against TMDB (or a server answering like it).

    Args:
        api_key: v3 key or v4 read access token.
        base_url: origin, ``https://api.themoviedb.org`` in production.
        requests_per_second: this process's budget (see module doc).
        timeout_s: the longest one attempt waits (connect and read together).
        retries: retries per request.
        deadline: ``time.monotonic()`` instant by which every attempt must be over (see module
            doc); None for no limit.
    """

    def __init__(self, api_key: str, *, base_url: str = "https://api.themoviedb.org", requests_per_second: float = 20.0,
                 timeout_s: float = 5.0, retries: int = 4, limiter: RateLimiter | None = None, deadline: float | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self._key = api_key
        self._base = base_url.rstrip("/")
        self._bearer = api_key.startswith("eyJ")
        self._limiter = limiter or process_limiter(requests_per_second)
        self._retry = default_retry(retries)
        self._timeout_s = timeout_s
        self._http = urllib3.PoolManager(
            retries=_ONE_ATTEMPT,
            timeout=urllib3.Timeout(total=timeout_s, connect=timeout_s, read=timeout_s),
            headers={"Accept": "application/json", "User-Agent": "backlot-movies/1.0"},
        )
        self.deadline = deadline
        self._clock = clock
        self._sleep = sleep
        self.requests = 0

    def time_left(self) -> float | None:
        """Seconds until the deadline (negative once past), or None without one."""
        return None if self.deadline is None else self.deadline - self._clock()

    def has_time(self, wait: float = 0.0) -> bool:
        """Whether one more attempt, started after waiting ``wait`` seconds, ends by the deadline."""
        left = self.time_left()
        return left is None or left - wait >= self._timeout_s

    def _ensure_time(self, wait: float = 0.0) -> None:
        if not self.has_time(wait):
            left = self.time_left() or 0.0
            raise TmdbOutOfTime(f"out of time: {max(left, 0.0):.1f} s left, one more TMDB attempt needs "
                                f"{wait:.1f} s of backoff and {self._timeout_s:g} s")

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        query = dict(params)
        headers = {}
        if self._bearer:
            headers["Authorization"] = f"Bearer {self._key}"
        else:
            query["api_key"] = self._key
        url = f"{self._base}{path}?{urlencode(query)}"
        retry = self._retry
        while True:
            self._ensure_time()
            self._limiter.acquire()
            self._ensure_time()
            self.requests += 1
            response, error = None, None
            try:
                response = self._http.request("GET", url, headers=headers)
            except urllib3.exceptions.MaxRetryError as exc:
                error = exc.reason or exc
            except urllib3.exceptions.HTTPError as exc:
                error = exc
            if response is not None and not retry.is_retry("GET", response.status, "Retry-After" in response.headers):
                return self._answer(response)
            try:
                retry = retry.increment("GET", path, response=response, error=error)  # path: no key in its logs
            except urllib3.exceptions.HTTPError:  # retries exhausted (or an error Retry never retries)
                if response is not None:
                    return self._answer(response)
                raise TmdbUnavailable(f"TMDB unreachable: {type(error).__name__}".replace(self._key, "***"),
                                      "tmdb_unreachable") from None
            wait = (retry.get_retry_after(response) if response is not None else None) or retry.get_backoff_time()
            self._ensure_time(wait)
            if wait > 0:
                self._sleep(wait)

    def _answer(self, response: Any) -> dict[str, Any]:
        if response.status == 200:
            try:
                return json.loads(response.data)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise TmdbUnavailable(f"TMDB answered invalid JSON ({exc.__class__.__name__})", "tmdb_invalid_json") from None
        message = ""
        try:
            message = str(json.loads(response.data).get("status_message", ""))[:200]
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            pass
        if response.status == 404:
            raise TmdbNotFound(message or "not found")
        raise TmdbUnavailable(f"TMDB answered {response.status}: {message}".replace(self._key, "***").strip(),
                              f"tmdb_http_{response.status}")

    def search_movie(self, title: str, year: int | None = None) -> list[dict[str, Any]]:
        """First page of ``/3/search/movie`` for ``title`` (and ``year`` when given): the results list.

        Raises:
            TmdbUnavailable: after retries.
        """
        params: dict[str, Any] = {"query": title, "include_adult": "false", "language": "en-US", "page": 1}
        if year:
            params["year"] = year
        try:
            body = self._get("/3/search/movie", params)
        except TmdbNotFound:
            return []
        results = body.get("results") if isinstance(body, dict) else None
        return [r for r in results if isinstance(r, dict) and isinstance(r.get("id"), int)] if isinstance(results, list) else []

    def movie_details(self, tmdb_id: int) -> dict[str, Any]:
        """``/3/movie/{id}?append_to_response=credits``.

        Raises:
            TmdbNotFound: no such movie.
            TmdbUnavailable: after retries.
        """
        return self._get(f"/3/movie/{int(tmdb_id)}", {"append_to_response": "credits", "language": "en-US"})
