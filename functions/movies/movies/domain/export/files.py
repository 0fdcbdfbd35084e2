"""Reading one CSV file: decoding, recognising which Letterboxd file it is, and its rows (lists included)."""

from __future__ import annotations

import csv
import io
import posixpath
from dataclasses import dataclass, field
from typing import Any

from movies.domain.export.limits import ExportRejected, InputFile, Limits

KNOWN_FILES = {
    "watched.csv": ("Date", "Name", "Year", "Letterboxd URI"),
    "watchlist.csv": ("Date", "Name", "Year", "Letterboxd URI"),
    "ratings.csv": ("Date", "Name", "Year", "Letterboxd URI", "Rating"),
    "diary.csv": ("Date", "Name", "Year", "Letterboxd URI", "Rating", "Rewatch", "Tags", "Watched Date"),
    "reviews.csv": ("Date", "Name", "Year", "Letterboxd URI", "Rating", "Rewatch", "Review", "Tags", "Watched Date"),
}
ANALYSED = ("watched", "diary", "ratings", "reviews", "watchlist", "likes", "list")
LIST_MARKER = "Letterboxd list export"


def decode(name: str, data: bytes) -> str:
    """The text of one CSV file.

    Letterboxd writes UTF-8 (a BOM is allowed); UTF-16 with a BOM is accepted for files re-saved
    by spreadsheets.

    Raises:
        ExportRejected: ``empty_file``, ``not_text`` (NUL bytes: binary, or a NUL-filled file),
            ``not_utf8``.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data_text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ExportRejected("not_utf8", f"{name} is not valid UTF-16 text") from exc
        if not data_text.strip():
            raise ExportRejected("empty_file", f"{name} is empty")
        return data_text.replace("\x00", "")
    if b"\x00" in data:
        raise ExportRejected("not_text", f"{name} contains NUL bytes: it is not a CSV text file")
    if not data.strip() or not data.strip(b"\xef\xbb\xbf \r\n\t"):
        raise ExportRejected("empty_file", f"{name} is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExportRejected("not_utf8", f"{name} is not UTF-8 text (byte {exc.start}): Letterboxd exports are UTF-8") from exc


def classify(path: str, header: list[str]) -> str | None:
    """What a CSV is, from its header row (the file name only tells watched, watchlist and likes
    apart, which share their columns). None when it is not a Letterboxd file we analyse.

    Returns one of ``watched``, ``watchlist``, ``likes``, ``ratings``, ``diary``, ``reviews``,
    ``profile``, ``comments``, or None.
    """
    cols = {c.strip() for c in header}
    base = posixpath.basename(path).lower()
    folders = path.lower().split("/")[:-1]
    if "Username" in cols:
        return "profile"
    if "Comment" in cols and "Content" in cols:
        return "comments"
    if "Name" not in cols or "Year" not in cols:
        return None
    if "Review" in cols:
        return "reviews"
    if "Watched Date" in cols or "Rewatch" in cols:
        return "diary"
    if "Rating" in cols:
        return "ratings"
    if "Letterboxd URI" in cols or "Date" in cols:
        if "watchlist" in base:
            return "watchlist"
        if "likes" in folders or base.startswith("likes"):
            return "likes"
        return "watched"
    return None


@dataclass
class FileReport:
    """What was done with one file: ``kind`` (or ``ignored``), rows read, rows skipped, and why."""

    name: str
    kind: str
    rows: int = 0
    skipped: int = 0
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "kind": self.kind, "rows": self.rows, "skipped": self.skipped}
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class ParsedFile:
    """The rows of one recognised file, as lists indexed through ``cols`` (see :class:`Columns`).

    ``refusal`` is why a skipped file could not be read (see :func:`parse_file`); ``date_orders``
    holds, per date column, whether its slashed dates are day first (see ``_Merger.date_order``).
    """

    name: str
    kind: str
    rows: list[list[str]]
    meta: dict[str, str] = field(default_factory=dict)  # lists: the list's own row
    report: FileReport | None = None
    cols: Columns = field(default_factory=lambda: Columns([]))
    refusal: ExportRejected | None = None
    date_orders: dict[str, bool | None] = field(default_factory=dict)


class Columns(dict):
    """Column name -> index in a row; a column the file lacks maps to the empty sentinel at the end."""

    def __init__(self, header: list[str]):
        super().__init__((h.strip(), i) for i, h in reversed(list(enumerate(header))))
        self.sentinel = len(header)

    def __missing__(self, key: str) -> int:
        return self.sentinel


def _rows(reader: Any, header: list[str], counter: list[int], limits: Limits) -> list[list[str]]:
    """The data rows as lists padded to the header's width plus one empty sentinel (see Columns)."""
    width = len(header) + 1
    out = []
    append = out.append
    room = limits.max_rows - counter[0]
    for row in reader:
        size = len(row)
        if size < 2 and (not row or not row[0].strip()):
            continue
        room -= 1
        if room < 0:
            raise ExportRejected("too_many_rows", f"the export has more than {limits.max_rows} rows", 413)
        if size < width:
            row.extend([""] * (width - size))
        else:  # a field too many: the sentinel replaces it
            del row[width - 1:]
            row.append("")
        append(row)
    counter[0] = limits.max_rows - room
    return out


def named_like_analysed(path: str) -> bool:
    """True for the names of the files we analyse: ``watched.csv``, ``diary.csv``, ``ratings.csv``,
    ``reviews.csv``, ``watchlist.csv`` (in any folder), ``lists/*.csv`` and ``likes/films.csv``."""
    base = posixpath.basename(path).lower()
    folders = path.lower().split("/")[:-1]
    return base in KNOWN_FILES or "lists" in folders or ("likes" in folders and base == "films.csv")


def parse_file(item: InputFile, counter: list[int], limits: Limits) -> ParsedFile:
    """Decode and split one CSV into rows, recognising its kind (see :func:`classify`).

    Files in ``deleted/`` or ``orphaned/`` are skipped (kind ``ignored``) without being decoded. A
    file whose bytes are not text (see :func:`decode`) rejects the upload when it is named like a
    file we analyse (:func:`named_like_analysed`); any other such file is skipped, its
    ``refusal`` kept for :func:`read_export` in case the upload holds nothing else.

    Raises:
        ExportRejected: see :func:`decode`; ``bad_csv`` (malformed quoting, a field over the
            limit); ``wrong_headers`` when a file named like a Letterboxd file
            (``diary.csv``, ...) lacks its columns.
    """
    path = item.name or "upload.csv"
    folders = path.lower().split("/")[:-1]
    if "deleted" in folders or "orphaned" in folders:
        return ParsedFile(path, "ignored", [], report=FileReport(path, "ignored", note="deleted or orphaned entries are not on the profile"))
    try:
        text = decode(path, item.data)
    except ExportRejected as exc:
        if named_like_analysed(path):
            raise
        return ParsedFile(path, "ignored", [], report=FileReport(path, "ignored", note=f"not read: {exc.reason}"), refusal=exc)
    csv.field_size_limit(limits.max_field_chars)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        while header == [] or header == [""]:
            # lists start with an empty line; skip leading blank lines in general
            header = next(reader, None)
            if header is None:
                raise ExportRejected("empty_file", f"{path} has no rows")
        if header and header[0].strip().startswith(LIST_MARKER) or (header[:2] == ["Date", "Name"] and "URL" in header and "Year" not in header):
            return _parse_list(path, header, reader, counter, limits)
        kind = classify(path, header)
        if kind is None:
            base = posixpath.basename(path).lower()
            if base in KNOWN_FILES and not folders:
                raise ExportRejected(
                    "wrong_headers",
                    f"{path} does not have the columns of a Letterboxd {base}: expected "
                    f"{', '.join(KNOWN_FILES[base])}; found {', '.join(h.strip() for h in header[:12]) or 'nothing'}",
                    422,
                )
            return ParsedFile(path, "ignored", [], report=FileReport(
                path, "ignored", note=f"not a Letterboxd export file (columns: {', '.join(h.strip() for h in header[:8])})"))
        if kind in ("profile", "comments") or ("likes" in folders and kind != "likes"):
            return ParsedFile(path, "ignored", [], report=FileReport(path, "ignored", note=f"{kind} is not analysed"))
        rows = _rows(reader, header, counter, limits)
        return ParsedFile(path, kind, rows, report=FileReport(path, kind, rows=len(rows)), cols=Columns(header))
    except csv.Error as exc:
        raise ExportRejected("bad_csv", f"{path} is not valid CSV: {exc}") from exc


def _parse_list(path: str, first: list[str], reader: Any, counter: list[int], limits: Limits) -> ParsedFile:
    meta_header = first
    if first and first[0].strip().startswith(LIST_MARKER):
        meta_header = next(reader, [])
        while meta_header == []:
            meta_header = next(reader, None)
            if meta_header is None:
                return ParsedFile(path, "ignored", [], report=FileReport(path, "ignored", note="empty list export"))
    meta_values = next(reader, [])
    meta = dict(zip([h.strip() for h in meta_header], meta_values))
    header = next(reader, None)
    while header == []:
        header = next(reader, None)
    if header is None:
        rows: list[list[str]] = []
    elif "Position" not in [h.strip() for h in header]:
        raise ExportRejected("wrong_headers", f"{path}: a list export needs Position,Name,Year,URL,Description after its header block", 422)
    else:
        rows = _rows(reader, header, counter, limits)
    return ParsedFile(path, "list", rows, meta=meta, report=FileReport(path, "list", rows=len(rows)),
                      cols=Columns(header or []))
