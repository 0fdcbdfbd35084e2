"""Request and response bodies of the movies API (design document 003). The upload itself is
multipart form data (field ``files``), read in ``routes``; only the presigned-upload request has a
JSON body (``backlot.models.RequestModel``: unknown fields and NUL refused). Responses are
allow-lists (``backlot.models.PublicModel``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from backlot.models import JsonInt, PresignedUpload, PublicModel, RequestModel


class UploadRequest(RequestModel):
    """``POST /api/uploads`` (addition to document 003): ask for a presigned POST of one export.

    ``content_type`` is what the POST will declare (the policy pins it): ``application/zip`` for the
    ZIP Letterboxd sends, or ``text/csv``; ``size_bytes`` bounds the upload (the policy's
    ``content-length-range``).
    """

    filename: str | None = Field(default=None, max_length=255)
    content_type: str = Field(default="application/zip", max_length=100)
    size_bytes: JsonInt = Field(gt=0)


# ---------------------------------------------------------------- responses (allow-lists)
SessionStatus = Literal["processing", "enriching", "completed", "failed"]
Stage = Literal["awaiting_upload", "parsing", "enriching", "done", "failed"]
Enrichment = Literal["pending", "running", "skipped", "done"]
FilmEnrichment = Literal["pending", "matched", "not_found", "ambiguous", "failed", "skipped"]


class SessionStarted(PublicModel):
    """``POST /api/upload`` (document 003): the session, ``enriching`` or ``completed``."""

    session_id: UUID
    status: SessionStatus
    total_movies: int


class UploadStarted(SessionStarted):
    """``POST /api/uploads``: the session (``processing``, awaiting the file) and the presigned POST."""

    upload: PresignedUpload


class Progress(PublicModel):
    """How far a session is: ``percent`` 0-100 and its films by enrichment state."""

    stage: Stage
    percent: int = Field(ge=0, le=100)
    films_total: int
    films_enriched: int
    films_matched: int
    films_failed: int
    films_pending: int


class SessionStatusPublic(PublicModel):
    """``GET /api/session/{id}/status`` (document 003: ``status``, ``progress``, ``total_movies``);
    ``reason`` and ``code`` when failed, ``enrichment_note`` when enrichment says something."""

    status: SessionStatus
    progress: Progress
    total_movies: int
    enrichment: Enrichment
    enrichment_note: str | None = None
    #: issue 9 item 6: films left without TMDB data, per reason (``tmdb_unreachable``, ``not_found``, ...)
    enrichment_reasons: dict[str, int] = Field(default_factory=dict)
    reason: str | None = None
    code: str | None = None


class EnrichmentState(PublicModel):
    status: Enrichment
    note: str | None
    #: issue 9 item 6: films left without TMDB data, per reason
    reasons: dict[str, int] = Field(default_factory=dict)


class Failure(PublicModel):
    code: str | None
    reason: str | None


class SessionPublic(PublicModel):
    """``GET /api/session/{id}``: the session's metadata, progress and what was read from the export."""

    session_id: UUID
    status: SessionStatus
    progress: Progress
    total_movies: int
    total_viewings: int
    source: Literal["multipart", "presigned"]
    enrichment: EnrichmentState
    failure: Failure | None
    summary: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    expires_at: datetime


class FilmPublic(PublicModel):
    """A film of the export (watched, diary, ratings, reviews merged; document 003) and what TMDB said."""

    id: UUID
    name: str
    year: int | None
    letterboxd_uri: str | None
    rating: float | None
    rating_source: Literal["diary", "ratings", "reviews"] | None
    marked_watched_on: date | None
    first_watched_on: date | None
    last_watched_on: date | None
    viewing_count: int
    rewatch_count: int
    review_count: int
    liked: bool
    tags: list[str]
    sources: list[str]
    identity_note: str | None
    enrichment_status: FilmEnrichment
    #: issue 9 item 6: why the film has no TMDB data (``not_found``, ``ambiguous``, ``tmdb_unreachable``, ...); None when matched or pending
    enrichment_reason: str | None = None
    tmdb_id: int | None
    tmdb_title: str | None
    tmdb_release_date: date | None
    match_confidence: float | None
    genres: list[str] | None
    runtime_minutes: int | None
    directors: list[str] | None
    countries: list[str] | None
    poster_path: str | None


class FilmPage(PublicModel):
    """``GET /api/session/{id}/movies``: one page of films in export order."""

    session_id: UUID
    status: SessionStatus
    total_movies: int
    movies: list[FilmPublic]
    next_cursor: str | None


class StatsEnrichment(PublicModel):
    status: Enrichment
    note: str | None
    matched_films: int
    coverage: float = Field(ge=0, le=1)


class Overview(PublicModel):
    films: int
    viewings: int
    rewatches: int
    hours: float | None
    rated_films: int
    average_rating: float | None
    reviews: int
    watchlist: int
    likes: int
    lists: int
    first_viewing: date | None
    last_viewing: date | None
    films_without_viewing_date: int


class YearFigures(PublicModel):
    year: int
    films: int
    viewings: int
    rewatches: int
    hours: float | None
    viewings_with_runtime: int


class DecadeFigures(PublicModel):
    decade: int
    label: str
    films: int
    average_rating: float | None


class RatingCount(PublicModel):
    rating: float
    films: int


class Rewatched(PublicModel):
    film_id: UUID
    name: str
    year: int | None
    viewings: int


class Rewatches(PublicModel):
    viewings: int
    flagged: int
    detected: int
    films_rewatched: int
    most_rewatched: list[Rewatched]


class TagUse(PublicModel):
    tag: str
    uses: int


class Top(PublicModel):
    name: str
    films: int
    average_rating: float | None


class Stats(PublicModel):
    """``GET /api/session/{id}/stats`` (``movies.domain.stats``): hours are viewing hours, ratings
    stars 0.5..5; figures that need TMDB are null until enrichment matched a film."""

    session_id: UUID
    status: SessionStatus
    enrichment: StatsEnrichment
    overview: Overview
    per_year: list[YearFigures]
    by_decade: list[DecadeFigures]
    films_without_year: int
    rating_distribution: list[RatingCount]
    rewatches: Rewatches
    tags: list[TagUse]
    genres: list[Top] | None
    directors: list[Top] | None
    countries: list[Top] | None
