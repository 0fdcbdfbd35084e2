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
sends requests with) retries connection errors, 429 and 5xx with exponential backoff and jitter,
and honours ``Retry-After`` (capped at 10 s so a bad header cannot eat the function's time).
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
    """TMDB could not answer after retries (network, 429, 5xx) or refused the key: try later."""


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
    """Retries for idempotent GETs: connection errors, 429 and 5xx; backoff 0.5 s doubling to 8 s."""
    options = dict(
        total=retries, connect=retries, read=retries, status=retries, other=0, redirect=2,
        backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504), allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True, raise_on_status=False,
    )
    try:  # urllib3 2.x: jitter and a backoff cap; 1.26 (older botocore bundles) has neither argument
        return _TmdbRetry(**options, backoff_max=8.0, backoff_jitter=0.25)
    except TypeError:
        return _TmdbRetry(**options)


class TmdbClient:
    """Search and details calls against TMDB (or a server answering like it).

    Args:
        api_key: v3 key or v4 read access token.
        base_url: origin, ``https://api.themoviedb.org`` in production.
        requests_per_second: this process's budget (see module doc).
        timeout_s: connect and read timeout per attempt.
        retries: retries per request.
    """

    def __init__(self, api_key: str, *, base_url: str = "https://api.themoviedb.org", requests_per_second: float = 20.0,
                 timeout_s: float = 5.0, retries: int = 4, limiter: RateLimiter | None = None):
        self._key = api_key
        self._base = base_url.rstrip("/")
        self._bearer = api_key.startswith("eyJ")
        self._limiter = limiter or process_limiter(requests_per_second)
        self._http = urllib3.PoolManager(
            retries=default_retry(retries),
            timeout=urllib3.Timeout(connect=timeout_s, read=timeout_s),
            headers={"Accept": "application/json", "User-Agent": "backlot-movies/1.0"},
        )
        self.requests = 0

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        query = dict(params)
        headers = {}
        if self._bearer:
            headers["Authorization"] = f"Bearer {self._key}"
        else:
            query["api_key"] = self._key
        url = f"{self._base}{path}?{urlencode(query)}"
        self._limiter.acquire()
        self.requests += 1
        try:
            response = self._http.request("GET", url, headers=headers)
        except urllib3.exceptions.HTTPError as exc:
            reason = getattr(exc, "reason", None) or exc
            raise TmdbUnavailable(f"TMDB unreachable: {type(reason).__name__}".replace(self._key, "***")) from None
        if response.status == 200:
            try:
                return json.loads(response.data)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise TmdbUnavailable(f"TMDB answered invalid JSON ({exc.__class__.__name__})") from None
        message = ""
        try:
            message = str(json.loads(response.data).get("status_message", ""))[:200]
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            pass
        if response.status == 404:
            raise TmdbNotFound(message or "not found")
        raise TmdbUnavailable(f"TMDB answered {response.status}: {message}".replace(self._key, "***").strip())

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
