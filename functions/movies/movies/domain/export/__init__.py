"""Reading a Letterboxd export: ZIP safety, CSV decoding, file recognition and the merge rules.

One module per concern: ``limits`` (limits, rejection, input files), ``archive`` (ZIP), ``values``
(one CSV value), ``files`` (one CSV file), ``model`` (films, viewings, the rows to COPY), ``merge``
(the merge rules below); this package ties them together (:func:`read_export`).

Pure functions over bytes; no I/O. :func:`read_export` takes the uploaded files (CSVs, or the ZIP
Letterboxd sends) and returns an :class:`Export` whose rows the repository writes with COPY.

Letterboxd export format (``shared/data/README.md``, "What these files are known to contain"):

* ``watched.csv``, ``watchlist.csv``, ``likes/films.csv``: ``Date,Name,Year,Letterboxd URI``;
  the URI names the *film* and ``Date`` is when it was marked watched (often in bulk), not seen.
* ``ratings.csv``: the same plus ``Rating`` (film URI).
* ``diary.csv``: ``Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date``; the URI names
  the *diary entry*, so it differs from the film's URI and between rewatches; some rows have no URI
  and some no Year. ``deleted/`` and ``orphaned/`` hold diary files of entries no longer on the
  profile: they are skipped without being read, so a broken one does not reject the export.
* ``reviews.csv``: the diary columns plus ``Review`` (HTML, entities and line breaks inside quotes);
  its URI is the diary entry's.
* ``lists/*.csv``: a ``Letterboxd list export v7`` line (or an empty line), a metadata block
  ``Date,Name,Tags,URL,Description``, a blank line, then ``Position,Name,Year,URL,Description``.
* Ratings are empty or 0.5..5 in half stars; ``Rewatch`` is ``Yes`` or empty; line endings are CRLF
  or LF; titles hold quoted commas, quotes, non-ASCII and all-digit names (``1917``).
* Dates are ISO ``YYYY-MM-DD``. A file re-saved by a spreadsheet may write ``M/D/YYYY`` or
  ``D/M/YYYY``: the order is decided once per file and column (``_Merger.date_order``).

A value that is not understood (a year, date, rating or list position; digits must be ASCII) is
read as unknown with a warning in the summary, never an error: only the files themselves (bytes,
CSV, columns, size) can reject an upload.

Merge rules (design document 003, Task 2, "Merge logic: diary > ratings > watched"), made precise
because URIs cannot be joined across files:

1. A film is identified by its film URI where a file carries one (watched, ratings, likes, lists),
   otherwise by its title key (NFC, case-folded, whitespace collapsed) and year. A row without a
   year matches the one film of that title if there is exactly one. A row with a year matches a
   film known without a year (``Deep-Fried Fingers`` in watched.csv) only when that film is the
   only film of the title — no film of the title with another year exists yet — and has not
   already taken a row of another year (rows of the year it took keep joining it); otherwise the
   row is a film of its own, so ``X`` 2019 and ``X`` 2020 never merge through a yearless ``X``
   (``_Merger.candidates``; files are read in the order watched, ratings, likes, diary, reviews,
   and diary rows in date order).
2. Diary and review rows are matched to films by title key and year (an exact title decides between
   films told apart by case alone, "Rain" and "rain"). When several films share the title and year
   (two Méliès shorts called *The Haunted Castle*, both 1897), their diary entries are dealt out in
   date order, one per film, so neither film is lost and no false rewatch appears. A diary or
   review row matching no film adds the film (a film logged but never marked watched). When that
   row could still be one of the title's films (no year, and the title has films of 1977 and 2018),
   the new film's ``identity_note`` and a warning say which films it may be
   (``_Merger.unmatched_film``).
3. Each diary row is one viewing. A review is linked to its diary entry by the entry URI, else by
   film and watched date; a review with a watched date and no diary entry is a viewing of its own.
4. A viewing is a rewatch when its ``Rewatch`` flag says so, or when an earlier viewing of the same
   film exists (date order: watched date, then logged date, then file order).
5. A film's rating is its latest rated diary entry's, else ``ratings.csv``'s, else its latest
   rated review's (diary > ratings > watched; ``watched.csv`` has no rating).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from movies.domain.export.archive import expand
from movies.domain.export.files import ANALYSED, parse_file
from movies.domain.export.limits import ExportRejected, InputFile, Limits
from movies.domain.export.merge import _Merger
from movies.domain.export.model import Export, Film, Viewing
from movies.domain.export.values import parse_date, parse_position, parse_rating, parse_year, slashed_order, title_key

__all__ = [
    "Export", "ExportRejected", "Film", "InputFile", "Limits", "Viewing", "gc_paused", "parse_date", "parse_position",
    "parse_rating", "parse_year", "read_export", "slashed_order", "title_key",
]

ORDER = ("watched", "ratings", "likes", "diary", "reviews", "watchlist", "list")


def read_export(files: list[InputFile], limits: Limits | None = None) -> Export:
    """Read an upload (CSV files, or the export ZIP) into an :class:`Export` (see module doc).

    The cyclic garbage collector is paused while reading (:func:`gc_paused`); a caller that keeps
    the export only to store it can pause it around both (see ``movies.service``).

    Raises:
        ExportRejected: the upload is empty, a ZIP bomb or too large; a file named like one we
            analyse (:func:`named_like_analysed`) is empty, binary or not UTF-8; a Letterboxd file
            has the wrong columns; or the upload holds no Letterboxd file we analyse (then the
            first other file that was not text says why, else ``not_letterboxd``). Values inside
            the files never raise (see the module doc).
    """
    with gc_paused():
        return _read(files, limits or Limits())


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (nested pauses are fine).

    Reading an export makes tens of thousands of small objects that live until its COPY; each
    collection meanwhile would walk them all and find nothing (an :class:`Export` holds no
    reference cycles). Drop the export inside the block: reference counting frees it there, and
    the collector resumes with nothing of it left to walk.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _read(files: list[InputFile], limits: Limits) -> Export:
    counter = [0]
    parsed = [parse_file(item, counter, limits) for item in expand(files, limits)]
    merger = _Merger()
    export = merger.export
    export.files = [p.report for p in parsed if p.report is not None]
    if not any(p.kind in ANALYSED for p in parsed):
        refused = next((p.refusal for p in parsed if p.refusal is not None), None)
        if refused is not None:  # say why the bytes were not read rather than "not Letterboxd"
            raise refused
        seen = "; ".join(f"{r.name}: {r.note or r.kind}" for r in export.files[:5])
        raise ExportRejected(
            "not_letterboxd",
            "no Letterboxd export file found: upload the ZIP Letterboxd e-mails you, or its watched.csv, "
            f"diary.csv, ratings.csv, reviews.csv ({seen})",
            422,
        )
    handlers = {"watched": merger.watched, "ratings": merger.ratings, "likes": merger.likes, "diary": merger.diary,
                "reviews": merger.reviews, "watchlist": merger.watchlist, "list": merger.a_list}
    for kind in ORDER:
        for pf in parsed:
            if pf.kind == kind:
                handlers[kind](pf)
    merger.finish()
    return export
