"""A local stand-in for TMDB's API v3 that answers with TMDB's real response shapes.

Shapes (TMDB API reference, developer.themoviedb.org, "Search Movie" and "Details" with
``append_to_response=credits``):

* ``GET /3/search/movie?query=&year=&primary_release_year=&page=`` ->
  ``{"page", "results": [<search result>], "total_pages", "total_results"}``; a search result has
  ``adult, backdrop_path, genre_ids, id, original_language, original_title, overview, popularity,
  poster_path, release_date ("YYYY-MM-DD" or ""), title, video, vote_average, vote_count``.
* ``GET /3/movie/{id}?append_to_response=credits`` -> the movie (``adult, backdrop_path,
  belongs_to_collection, budget, genres [{id, name}], homepage, id, imdb_id, origin_country,
  original_language, original_title, overview, popularity, poster_path, production_companies
  [{id, logo_path, name, origin_country}], production_countries [{iso_3166_1, name}],
  release_date, revenue, runtime, spoken_languages [{english_name, iso_639_1, name}], status,
  tagline, title, video, vote_average, vote_count``) with ``credits: {"cast": [...], "crew":
  [{adult, gender, id, known_for_department, name, original_name, popularity, profile_path,
  credit_id, department, job}]}``.
* Errors: ``{"success": false, "status_code": 7|34|25, "status_message": ...}`` with HTTP 401
  (invalid key), 404 (not found), 429 (over the rate limit, with ``Retry-After``).

Behaviour for tests: a fixed catalogue (:meth:`FakeTmdb.add`), and with ``synthesize`` on, any
other title searched is answered with one made-up film of that title and year (stable id), so a
whole real export can be enriched. Faults: ``fail_titles`` always answer 500 for those queries;
``throttle(n)`` answers the next ``n`` requests 429 with ``Retry-After``; ``rate_limit`` answers
429 once more than that many requests arrive within one second; ``delay_s`` holds every answer
back that many seconds (a TMDB slowdown). Every request is logged.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

GENRES = [(28, "Action"), (12, "Adventure"), (16, "Animation"), (35, "Comedy"), (80, "Crime"), (99, "Documentary"),
          (18, "Drama"), (14, "Fantasy"), (27, "Horror"), (9648, "Mystery"), (878, "Science Fiction"), (53, "Thriller")]
COUNTRIES = [("US", "United States of America"), ("GB", "United Kingdom"), ("FR", "France"), ("JP", "Japan"),
             ("KR", "South Korea"), ("PH", "Philippines"), ("HK", "Hong Kong")]


def _norm(text: str) -> str:
    return " ".join("".join(ch for ch in text.casefold() if ch.isalnum() or ch.isspace()).split())


@dataclass
class FakeMovie:
    id: int
    title: str
    release_date: str
    runtime: int = 100
    genres: list[str] = field(default_factory=lambda: ["Drama"])
    directors: list[str] = field(default_factory=lambda: ["Jane Doe"])
    countries: list[str] = field(default_factory=lambda: ["US"])
    original_title: str | None = None
    popularity: float = 10.0

    def search_result(self) -> dict[str, Any]:
        return {
            "adult": False,
            "backdrop_path": f"/backdrop{self.id}.jpg",
            "genre_ids": [gid for gid, name in GENRES if name in self.genres],
            "id": self.id,
            "original_language": "en",
            "original_title": self.original_title or self.title,
            "overview": f"A film called {self.title}.",
            "popularity": self.popularity,
            "poster_path": f"/poster{self.id}.jpg",
            "release_date": self.release_date,
            "title": self.title,
            "video": False,
            "vote_average": 7.1,
            "vote_count": 1234,
        }

    def details(self) -> dict[str, Any]:
        country_names = dict(COUNTRIES)
        crew = [{
            "adult": False, "gender": 2, "id": 1000 + i, "known_for_department": "Directing", "name": name,
            "original_name": name, "popularity": 3.2, "profile_path": None, "credit_id": f"c{self.id}d{i}",
            "department": "Directing", "job": "Director",
        } for i, name in enumerate(self.directors)]
        crew.append({
            "adult": False, "gender": 1, "id": 9999, "known_for_department": "Writing", "name": "Someone Else",
            "original_name": "Someone Else", "popularity": 1.0, "profile_path": None, "credit_id": f"c{self.id}w",
            "department": "Writing", "job": "Screenplay",
        })
        return {
            **{k: v for k, v in self.search_result().items() if k != "genre_ids"},
            "belongs_to_collection": None,
            "budget": 0,
            "genres": [{"id": gid, "name": name} for gid, name in GENRES if name in self.genres],
            "homepage": "",
            "imdb_id": f"tt{self.id:07d}",
            "origin_country": list(self.countries),
            "production_companies": [{"id": 1, "logo_path": None, "name": "Studio", "origin_country": self.countries[0]}],
            "production_countries": [{"iso_3166_1": c, "name": country_names.get(c, c)} for c in self.countries],
            "revenue": 0,
            "runtime": self.runtime,
            "spoken_languages": [{"english_name": "English", "iso_639_1": "en", "name": "English"}],
            "status": "Released",
            "tagline": "",
            "credits": {
                "cast": [{
                    "adult": False, "gender": 1, "id": 500 + self.id % 100, "known_for_department": "Acting",
                    "name": "An Actor", "original_name": "An Actor", "popularity": 5.0, "profile_path": None,
                    "cast_id": 1, "character": "Lead", "credit_id": f"c{self.id}a", "order": 0,
                }],
                "crew": crew,
            },
        }


class FakeTmdb:
    """The server; ``url`` is its origin. Use as a context manager."""

    def __init__(self, api_key: str = "test-tmdb-key", *, synthesize: bool = True, rate_limit: int | None = None):
        self.api_key = api_key
        self.synthesize = synthesize
        self.rate_limit = rate_limit
        self.movies: dict[int, FakeMovie] = {}  # everything answerable by id (catalogue + made up)
        self.catalogue: dict[int, FakeMovie] = {}  # what search looks through
        self.fail_titles: set[str] = set()
        self.fail_status = 500  # what fail_titles answer (e.g. 503)
        self.delay_s = 0.0
        self.requests: list[dict[str, Any]] = []
        self._throttle = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    # ---------------------------------------------------------- catalogue and faults
    def add(self, movie: FakeMovie) -> FakeMovie:
        self.catalogue[movie.id] = movie
        self.movies[movie.id] = movie
        return movie

    def throttle(self, count: int) -> None:
        """Answer the next ``count`` requests 429 with ``Retry-After: 1``."""
        with self._lock:
            self._throttle = count

    def statuses(self) -> list[int]:
        return [r["status"] for r in self.requests]

    # ---------------------------------------------------------- answers
    def _synthesized(self, title: str, year: int | None) -> FakeMovie:
        movie_id = 10_000_000 + zlib.crc32(f"{_norm(title)}|{year}".encode()) % 10_000_000
        if movie_id not in self.movies:
            h = zlib.crc32(title.encode())
            self.movies[movie_id] = FakeMovie(
                id=movie_id, title=title, release_date=f"{year}-06-01" if year else "",
                runtime=60 + h % 90, genres=[GENRES[h % len(GENRES)][1], GENRES[(h // 7) % len(GENRES)][1]],
                directors=[f"Director {h % 50}"], countries=[COUNTRIES[h % len(COUNTRIES)][0]],
            )
        return self.movies[movie_id]

    def search(self, query: str, year: int | None) -> list[dict[str, Any]]:
        want = _norm(query)
        found = [m for m in self.catalogue.values()
                 if want and (want in _norm(m.title) or want in _norm(m.original_title or ""))]
        if year:
            found = [m for m in found if m.release_date.startswith(str(year))]
        if not found and self.synthesize and want:
            found = [self._synthesized(query, year)]
        found.sort(key=lambda m: -m.popularity)
        return [m.search_result() for m in found[:20]]

    def handle(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, dict[str, Any], dict[str, str]]:
        now = time.monotonic()
        with self._lock:
            recent = 0
            if self.rate_limit is not None:
                recent = sum(1 for r in self.requests[-4 * self.rate_limit:] if now - r["at"] < 1.0 and r["status"] != 429)
            throttled = self._throttle > 0
            if throttled:
                self._throttle -= 1
        if throttled or (self.rate_limit is not None and recent >= self.rate_limit):
            return 429, {"success": False, "status_code": 25,
                         "status_message": f"Your request count ({recent + 1}) is over the allowed limit of ({self.rate_limit or 40})."}, \
                {"Retry-After": "1"}
        token = headers.get("authorization", "")
        if params.get("api_key") != self.api_key and token != f"Bearer {self.api_key}":
            return 401, {"status_code": 7, "status_message": "Invalid API key: You must be granted a valid key.", "success": False}, {}
        if path == "/3/search/movie":
            query = params.get("query", "")
            if query in self.fail_titles:
                return self.fail_status, {"success": False, "status_code": 11, "status_message": "Internal error: Something went wrong, contact TMDb."}, {}
            year_text = params.get("year") or params.get("primary_release_year") or ""
            results = self.search(query, int(year_text) if year_text.isdigit() else None)
            return 200, {"page": 1, "results": results, "total_pages": 1 if results else 0, "total_results": len(results)}, {}
        if path.startswith("/3/movie/"):
            ident = path.removeprefix("/3/movie/")
            movie = self.movies.get(int(ident)) if ident.isdigit() else None
            if movie is None:
                return 404, {"success": False, "status_code": 34, "status_message": "The resource you requested could not be found."}, {}
            body = movie.details()
            if "credits" not in params.get("append_to_response", ""):
                body.pop("credits")
            return 200, body, {}
        return 404, {"success": False, "status_code": 34, "status_message": "The resource you requested could not be found."}, {}

    # ---------------------------------------------------------- server
    def __enter__(self) -> "FakeTmdb":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as TMDB's servers
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                status, body, extra = fake.handle(parts.path, params, {k.lower(): v for k, v in self.headers.items()})
                with fake._lock:
                    fake.requests.append({"at": time.monotonic(), "path": parts.path, "params": params, "status": status})
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json;charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in extra.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out and hung up
                    self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
