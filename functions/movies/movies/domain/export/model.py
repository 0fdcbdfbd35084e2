"""What a read export holds: films, viewings and the rows the repository writes with COPY."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import Any

from movies.domain.export.files import FileReport

class _IdPool:
    """UUID 4s from the OS CSPRNG, drawn 16 KiB at a time and handed out as 32 hex digits, a form
    PostgreSQL's ``uuid`` input reads (and ``uuid.UUID`` too). ``uuid.uuid4`` makes one system call
    and one ``UUID`` object per id, and the COPY would turn each object back into text: together
    more than the rest of a diary row's parsing."""

    _VERSION_4 = bytes((b & 0x0F) | 0x40 for b in range(256))
    _RFC_4122_VARIANT = bytes((b & 0x3F) | 0x80 for b in range(256))

    def __init__(self, batch: int = 1024):
        self._batch = batch
        self._ids: Iterator[str] = iter(())

    def _refill(self) -> Iterator[str]:
        raw = bytearray(os.urandom(16 * self._batch))
        raw[6::16] = raw[6::16].translate(self._VERSION_4)
        raw[8::16] = raw[8::16].translate(self._RFC_4122_VARIANT)
        text = raw.hex()
        return iter([text[at:at + 32] for at in range(0, len(text), 32)])

    def __call__(self) -> str:
        value = next(self._ids, None)
        if value is None:
            self._ids = self._refill()
            value = next(self._ids)
        return value


_new_id = _IdPool()


@dataclass(slots=True, eq=False)
class Viewing:
    """One diary entry (or a review that is the only record of a viewing).

    ``film_id`` names its :class:`Film`; a viewing holds no reference to the film object, so an
    :class:`Export` has no reference cycles and is freed as soon as it is dropped.
    """

    id: str
    film_id: str
    order: tuple
    watched_on: date | None
    logged_on: date | None
    rating: float | None
    rewatch_flag: bool
    tags: list[str]
    uri: str | None
    source: str
    is_rewatch: bool = False


@dataclass(slots=True, eq=False)
class Film:
    """One distinct film seen, with what every file said about it."""

    id: str
    position: int
    name: str
    year: int | None
    key: tuple[str, int | None]
    uri: str | None = None
    marked_watched_on: date | None = None
    ratings_rating: float | None = None
    review_rating: tuple[date, float] | None = None
    liked: bool = False
    sources: set[str] = field(default_factory=set)
    identity_note: str | None = None
    viewings: list[Viewing] = field(default_factory=list)
    review_count: int = 0
    # derived by finish()
    rating: float | None = None
    rating_source: str | None = None
    rewatch_count: int = 0
    tags: list[str] = field(default_factory=list)
    first_watched_on: date | None = None
    last_watched_on: date | None = None


@dataclass
class Export:
    """Everything parsed from one export, ready to store.

    ``films`` are distinct films seen; ``viewings`` diary entries (rewatches included);
    ``ratings``, ``reviews``, ``watchlist``, ``likes``, ``lists`` and ``list_entries`` are rows as
    tuples in the column order of ``repository.COPY_COLUMNS``; ``files`` says what was read;
    ``warnings`` holds up to 50 examples of rows skipped or values not understood. Ids are UUID 4s
    as 32 hex digits (see ``_IdPool``).
    """

    films: list[Film] = field(default_factory=list)
    viewings: list[Viewing] = field(default_factory=list)
    ratings: list[tuple] = field(default_factory=list)
    reviews: list[tuple] = field(default_factory=list)
    watchlist: list[tuple] = field(default_factory=list)
    likes: list[tuple] = field(default_factory=list)
    lists: list[tuple] = field(default_factory=list)
    list_entries: list[tuple] = field(default_factory=list)
    files: list[FileReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    warning_count: int = 0

    @property
    def rewatch_count(self) -> int:
        return sum(1 for v in self.viewings if v.is_rewatch)

    def summary(self) -> dict[str, Any]:
        """The session's ``summary``: files read and counts (JSON-ready)."""
        return {
            "files": [f.as_dict() for f in self.files],
            "counts": {
                "films": len(self.films),
                "viewings": len(self.viewings),
                "rewatches": self.rewatch_count,
                "ratings": len(self.ratings),
                "reviews": len(self.reviews),
                "watchlist": len(self.watchlist),
                "likes": len(self.likes),
                "lists": len(self.lists),
                "list_entries": len(self.list_entries),
            },
            "warnings": self.warnings,
            "warning_count": self.warning_count,
        }


_by_order = attrgetter("order")
