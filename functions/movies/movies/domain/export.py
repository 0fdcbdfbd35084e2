"""Reading a Letterboxd export: ZIP safety, CSV decoding, file recognition and the merge rules.

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

import csv
import gc
import io
import math
import os
import posixpath
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter, itemgetter
from typing import Any

# ---------------------------------------------------------------------------------------- limits


@dataclass(frozen=True)
class Limits:
    """Bounds on what one export may cost to read.

    Attributes:
        max_uncompressed_bytes: total bytes of CSV read from the upload (after decompression).
        max_compression_ratio: largest uncompressed/compressed ratio of one ZIP entry over 64 KiB;
            CSV compresses 3-10x, a decompression bomb 1000x and more.
        max_zip_entries: entries in the ZIP's central directory.
        max_rows: CSV rows over all files.
        max_field_chars: characters in one CSV field (a long review).
    """

    max_uncompressed_bytes: int = 64 * 1024 * 1024
    max_compression_ratio: float = 100.0
    max_zip_entries: int = 5000
    max_rows: int = 500_000
    max_field_chars: int = 1_000_000


class ExportRejected(Exception):
    """The upload is not a readable Letterboxd export. ``code`` is stable; ``reason`` is for a person;
    ``status`` is the HTTP status a direct upload answers with."""

    def __init__(self, code: str, reason: str, status: int = 400):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class InputFile:
    """One uploaded file, or one entry of an uploaded ZIP: ``name`` is only a hint."""

    name: str
    data: bytes


ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_SMALL_ENTRY = 64 * 1024


def is_zip(data: bytes) -> bool:
    """True when the bytes start like a ZIP archive (local file header or empty-archive record)."""
    return data[:4] in ZIP_MAGIC


def expand(files: list[InputFile], limits: Limits) -> list[InputFile]:
    """The CSV files of an upload: each ZIP is opened and its ``.csv`` entries taken out.

    ZIP safety: the central directory is checked before anything is decompressed — the entry
    count, the total uncompressed size of the CSV entries against ``max_uncompressed_bytes``, and
    each entry's compression ratio — and every entry is then read with a cap of its declared size
    (Python's zipfile also stops at the declared size and checks the CRC). Encrypted entries are
    refused. Nothing is extracted to disk, so entry paths cannot escape anywhere.

    Raises:
        ExportRejected: ``no_files``, ``bad_zip``, ``zip_encrypted``, ``zip_too_many_entries``,
            ``export_too_large`` (413), ``zip_bomb`` (413).
    """
    if not files:
        raise ExportRejected("no_files", "no file was uploaded: send the export ZIP or its CSV files in the field 'files'")
    out: list[InputFile] = []
    budget = limits.max_uncompressed_bytes
    for item in files:
        if is_zip(item.data):
            entries = _read_zip(item, limits, budget)
            out.extend(entries)
            budget -= sum(len(e.data) for e in entries)
        else:
            budget -= len(item.data)
            out.append(item)
        if budget < 0:
            raise ExportRejected("export_too_large", f"the export holds more than {limits.max_uncompressed_bytes} bytes of CSV", 413)
    return out


def _clean_path(name: str) -> str:
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return "/".join(parts)


def _read_zip(item: InputFile, limits: Limits, budget: int) -> list[InputFile]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(item.data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise ExportRejected("bad_zip", f"{item.name or 'the upload'} is not a readable ZIP archive ({exc})") from exc
    if len(infos) > limits.max_zip_entries:
        raise ExportRejected("zip_too_many_entries", f"the ZIP has {len(infos)} entries; at most {limits.max_zip_entries} are read")
    wanted = [i for i in infos if not i.is_dir() and i.filename.lower().endswith(".csv") and not _clean_path(i.filename).startswith("__MACOSX/")]
    declared = sum(i.file_size for i in wanted)
    if declared > budget:
        raise ExportRejected(
            "export_too_large",
            f"the ZIP declares {declared} bytes of CSV; at most {limits.max_uncompressed_bytes} are read", 413,
        )
    for info in wanted:
        if info.flag_bits & 0x1:
            raise ExportRejected("zip_encrypted", f"{info.filename} is encrypted; upload the export as Letterboxd sent it")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _SMALL_ENTRY and ratio > limits.max_compression_ratio:
            raise ExportRejected(
                "zip_bomb",
                f"{info.filename} would expand {ratio:.0f}x ({info.file_size} bytes from {info.compress_size}); "
                f"more than {limits.max_compression_ratio:.0f}x is refused as a decompression bomb", 413,
            )
    names = [_clean_path(i.filename) for i in wanted]
    prefix = _common_folder(names)
    out = []
    for info, name in zip(wanted, names, strict=True):
        try:
            with archive.open(info) as handle:
                data = handle.read(info.file_size + 1)
        except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError, RuntimeError) as exc:
            raise ExportRejected("bad_zip", f"{info.filename} cannot be read from the ZIP ({exc})") from exc
        if len(data) > info.file_size:
            raise ExportRejected("zip_bomb", f"{info.filename} is larger than its declared size", 413)
        out.append(InputFile(name[len(prefix):], data))
    return out


def _common_folder(names: list[str]) -> str:
    """A single top folder every entry sits in (``export-2024/diary.csv``) is dropped."""
    tops = {n.split("/", 1)[0] for n in names if "/" in n}
    if len(tops) == 1 and all("/" in n for n in names):
        return tops.pop() + "/"
    return ""


# ---------------------------------------------------------------------------------------- values

_DATE_FORMATS = ("%Y/%m/%d", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%Y-%m-%d %H:%M:%S")
_SLASHED = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")  # M/D/YYYY or D/M/YYYY, ASCII digits only
_DECIMAL = re.compile(r"[0-9]+(?:[.,][0-9]+)?")
_STARS = {"★": 1.0, "½": 0.5}


def _is_number(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also accepts ``²`` and ``٣``, which ``int`` refuses or reads."""
    return text.isascii() and text.isdigit()


def parse_date(text: str | None, day_first: bool | None = None) -> date | None:
    """A date from Letterboxd's ISO ``YYYY-MM-DD``, or from forms spreadsheets write when they
    re-save the file: ``YYYY/MM/DD``, ``DD.MM.YYYY``, ``13 Jun 2021``, ``Jun 13, 2021``, ISO with a
    time, and slashed ``M/D/YYYY`` (US, Excel's default) or ``D/M/YYYY``.

    A slashed date is read day first when ``day_first`` is True, month first when it is False; when
    None (the order is not known: see :func:`slashed_order`), day first only if the first number
    is over 12. Digits are ASCII. Empty or unreadable text is None, never an exception.
    """
    if not text:
        return None
    text = text.strip()
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    if not text:
        return None
    if "T" in text[:11] and _is_number(text[:4]):
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            return None
    slashed = _SLASHED.fullmatch(text)
    if slashed:
        a, b, y = int(slashed[1]), int(slashed[2]), int(slashed[3])
        if day_first is None:
            day_first = a > 12
        month, day = (b, a) if day_first else (a, b)
        try:
            return date(y, month, day)
        except ValueError:
            return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def slashed_order(values: Iterable[str]) -> set[bool]:
    """What slashed dates (``a/b/YYYY``) among ``values`` say about their order: ``True`` (day
    first) when one has ``a`` over 12, ``False`` (month first) when one has ``b`` over 12. An empty
    set says nothing (every such date reads either way); both say the values disagree."""
    seen: set[bool] = set()
    for value in values:
        if "/" not in value:
            continue
        slashed = _SLASHED.fullmatch(value.strip())
        if slashed:
            a, b = int(slashed[1]), int(slashed[2])
            if a > 12 >= b:
                seen.add(True)
            elif b > 12 >= a:
                seen.add(False)
    return seen


def parse_rating(text: str | None) -> float | None:
    """A rating in half stars, 0.5..5: ``"4"``, ``"3.5"``, ``"4.0"``, ``"3,5"`` or stars ``"★★★½"``.

    Values round to the nearest half star (document 003: "Rating normalization (half-stars to 0.5
    increments)"). Empty, 0 (Letterboxd's "no rating"), values outside 0.5..5 and anything but
    ASCII digits with one decimal point or comma (``inf``, ``nan``, ``1e999``, ``-1``, ``²``) are None.
    """
    if not text:
        return None
    text = text.strip()
    if not text:
        return None
    if text[0] in _STARS:
        value = sum(_STARS.get(ch, 0.0) for ch in text)
    elif _DECIMAL.fullmatch(text):
        value = float(text.replace(",", "."))
        if not math.isfinite(value):  # "9" * 400 is inf
            return None
    else:
        return None
    value = round(value * 2) / 2
    return value if 0.5 <= value <= 5 else None


def parse_year(text: str | None) -> int | None:
    """A release year 1870..2100 in four ASCII digits, or None (rows without a Year exist in real
    exports)."""
    if not text:
        return None
    text = text.strip()
    if len(text) == 4 and _is_number(text) and 1870 <= int(text) <= 2100:
        return int(text)
    return None


def parse_position(text: str | None) -> int | None:
    """A list entry's ``Position``: at most nine ASCII digits (the column is a PostgreSQL
    ``integer``), or None."""
    text = (text or "").strip()
    return int(text) if 0 < len(text) <= 9 and _is_number(text) else None


def parse_tags(text: str | None) -> list[str]:
    """Letterboxd tags: comma-separated, in order, without duplicates or blanks."""
    if not text:
        return []
    seen: dict[str, None] = {}
    for tag in text.split(","):
        tag = tag.strip()
        if tag and len(tag) <= 200:
            seen.setdefault(tag, None)
    return list(seen)


def title_key(name: str) -> str:
    """The title part of a film's identity: NFC, case-folded, whitespace collapsed; punctuation
    and accents are kept because they tell films apart (``Pietà`` is not ``Pieta``)."""
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def _uri(text: str | None) -> str | None:
    text = (text or "").strip()
    return text if text.startswith(("https://", "http://")) and len(text) <= 500 else None


def _is_yes(text: str | None) -> bool:
    return (text or "").strip().lower() in ("yes", "true", "1", "y")


# ---------------------------------------------------------------------------------------- files

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


# ---------------------------------------------------------------------------------------- merge


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


class _Merger:
    def __init__(self) -> None:
        self.export = Export()
        self.by_uri: dict[str, Film] = {}
        self.by_key: dict[tuple[str, int | None], list[Film]] = defaultdict(list)
        self.by_name: dict[str, list[Film]] = defaultdict(list)
        self.diary_by_uri: dict[str, tuple[Viewing, Film]] = {}
        # parse_date's and parse_rating's answers by raw text: an export repeats few dates and ratings
        self.dates: dict[str, date | None] = {}
        self.slashed_dates: dict[tuple[str, bool | None], date | None] = {}
        # a film known without a year -> the year of the first row with a year it took (rule 1)
        self.yearless_took: dict[str, int] = {}
        self.ratings_read: dict[str, float | None] = {}

    def warn(self, report: FileReport, line: int, message: str) -> None:
        self.export.warning_count += 1
        if len(self.export.warnings) < 50:
            self.export.warnings.append(f"{report.name} row {line}: {message}")

    # -- identity
    def candidates(self, key: tuple[str, int | None]) -> list[Film]:
        """The films a row of this title key and year may be (module doc, rule 1).

        The films of that exact title and year; else, for a row without a year, the title's film
        when it has only one; else, for a row with a year, the title's one film known without a
        year when it has already taken rows of this year, or has taken none and is the title's
        only film (no film of the title with another year exists).
        """
        found = self.by_key.get(key)
        if found:
            return found
        name, year = key
        named = self.by_name.get(name)
        if not named:
            return []
        if year is None:
            return named if len(named) == 1 else []
        yearless = self.by_key.get((name, None))
        if yearless and len(yearless) == 1:
            took = self.yearless_took.get(yearless[0].id)
            if took == year or (took is None and len(named) == 1):
                return yearless
        return []

    def took(self, film: Film, year: int | None) -> None:
        """Record that a row of ``year`` joined ``film``: a film known without a year then takes no
        row of another year (see :meth:`candidates`)."""
        if year is not None and film.year is None:
            self.yearless_took.setdefault(film.id, year)

    def new_film(self, name: str, year: int | None, key: tuple[str, int | None], uri: str | None) -> Film:
        film = Film(_new_id(), len(self.export.films), name, year, key, uri)
        self.export.films.append(film)
        self.by_key[key].append(film)
        self.by_name[key[0]].append(film)
        if uri:
            self.by_uri[uri] = film
        return film

    def unmatched_film(self, name: str, year: int | None, key: tuple[str, int | None], report: FileReport, line: int) -> Film:
        """A new film for a row without a film URI that :meth:`candidates` matched to no film.

        When the row could still be one of the title's films — it has no year and the title has
        films with years (``Suspiria`` beside 1977 and 2018), or it has a year and the title has a
        film without one that it did not join — the export cannot tell, so the film is kept apart
        and says so in its ``identity_note``, with a warning.
        """
        rivals = [f for f in self.by_name.get(key[0], ()) if year is None or f.year is None]
        film = self.new_film(name, year, key, None)
        if rivals:
            could_be = ", ".join(f"{f.name!r} ({f.year or 'no year'})" for f in rivals[:5])
            film.identity_note = (f"{name!r} ({year or 'no year'}) may be the same film as {could_be}; "
                                  "the export does not say, so it is counted as a film of its own")
            self.warn(report, line, film.identity_note)
        return film

    def film_by_uri_or_key(self, name: str, year: int | None, uri: str | None, report: FileReport, line: int, *,
                           create: bool) -> Film | None:
        if uri and uri in self.by_uri:
            return self.by_uri[uri]
        key = (title_key(name), year)
        found = self.candidates(key)
        if len(found) == 1 and (uri is None or found[0].uri is None):
            if uri:
                found[0].uri = uri
                self.by_uri[uri] = found[0]
            self.took(found[0], year)
            return found[0]
        if found and uri is None:
            return found[0]  # several films share the title and year, and the row says no more
        if not create:
            return None
        if uri is None:
            return self.unmatched_film(name, year, key, report, line)
        # a film URI no film has: another film of the same title (film URIs are authoritative)
        return self.new_film(name, year, key, uri)

    # -- row values (the files' handlers look their columns up once: see Columns)
    def row_identity(self, row: list[str], name_at: int, year_at: int, report: FileReport, line: int) -> tuple[str, int | None] | None:
        name = row[name_at].strip()
        if not name:
            report.skipped += 1
            self.warn(report, line, "no film name; row skipped")
            return None
        raw_year = row[year_at].strip()
        year = parse_year(raw_year)
        if raw_year and year is None:
            self.warn(report, line, f"year {raw_year[:20]!r} not understood; treated as unknown")
        return name[:500], year

    def date_of(self, raw: str, column: str, pf: ParsedFile, line: int) -> date | None:
        try:
            value = self.dates[raw]
        except KeyError:
            if "/" in raw:  # a slashed date reads in its column's order; ISO dates stay one dict lookup
                order = self.date_order(pf, column, line)
                try:
                    value = self.slashed_dates[raw, order]
                except KeyError:
                    value = self.slashed_dates[raw, order] = parse_date(raw, order)
            else:
                value = self.dates[raw] = parse_date(raw)
        if value is None and raw and raw.strip():
            self.warn(pf.report, line, f"{column} {raw.strip()[:30]!r} not understood")
        return value

    def date_order(self, pf: ParsedFile, column: str, line: int) -> bool | None:
        """Whether the file's ``column`` writes slashed dates day first (True), month first (False)
        or is undecided (None: each date is read on its own, see :func:`parse_date`).

        Decided once per file, when its first slashed date is read: by the column's own dates
        (:func:`slashed_order`), else, when none of them tells, by the file's other date columns
        (a spreadsheet re-saves every column in one order). Dates that disagree leave the column
        undecided, with a warning.
        """
        try:
            return pf.date_orders[column]
        except KeyError:
            pass
        said = {name: slashed_order(row[pf.cols[name]] for row in pf.rows)
                for name in ("Date", "Watched Date") if name in pf.cols}
        said.setdefault(column, set())
        everything = set().union(*said.values())
        for name, seen in said.items():
            seen = seen or everything
            pf.date_orders[name] = next(iter(seen)) if len(seen) == 1 else None
            if len(seen) > 1:
                self.warn(pf.report, line, f"{name} has both day-first and month-first dates (13/4 and 4/13); "
                                           "each slashed date is read on its own")
        return pf.date_orders[column]

    def rating_of(self, raw: str, report: FileReport, line: int) -> float | None:
        try:
            value = self.ratings_read[raw]
        except KeyError:
            value = self.ratings_read[raw] = parse_rating(raw)
        if value is None and raw and raw.strip() not in ("", "0"):
            self.warn(report, line, f"rating {raw.strip()[:20]!r} not understood")
        return value

    # -- files
    def watched(self, pf: ParsedFile) -> None:
        c, report = pf.cols, pf.report
        name_at, year_at, uri_at, date_at = c["Name"], c["Year"], c["Letterboxd URI"], c["Date"]
        identity, date_of, new_film, by_uri, by_key = self.row_identity, self.date_of, self.new_film, self.by_uri, self.by_key
        for line, row in enumerate(pf.rows, start=2):
            ident = identity(row, name_at, year_at, report, line)
            if ident is None:
                continue
            name, year = ident
            uri = _uri(row[uri_at])
            if uri and uri in by_uri:
                film = by_uri[uri]
            elif uri:
                film = new_film(name, year, (title_key(name), year), uri)
            else:
                key = (title_key(name), year)
                found = by_key.get(key)
                film = found[0] if found else new_film(name, year, key, None)
            film.sources.add("watched")
            marked = date_of(row[date_at], "Date", pf, line)
            if marked and (film.marked_watched_on is None or marked < film.marked_watched_on):
                film.marked_watched_on = marked

    def ratings(self, pf: ParsedFile) -> None:
        c, report = pf.cols, pf.report
        name_at, year_at, uri_at, date_at, rating_at = c["Name"], c["Year"], c["Letterboxd URI"], c["Date"], c["Rating"]
        for line, row in enumerate(pf.rows, start=2):
            ident = self.row_identity(row, name_at, year_at, report, line)
            if ident is None:
                continue
            rating = self.rating_of(row[rating_at], report, line)
            if rating is None:
                report.skipped += 1
                continue
            uri = _uri(row[uri_at])
            film = self.film_by_uri_or_key(*ident, uri, report, line, create=True)
            film.sources.add("ratings")
            film.ratings_rating = rating
            self.export.ratings.append((film.id, rating, self.date_of(row[date_at], "Date", pf, line), uri))

    def likes(self, pf: ParsedFile) -> None:
        c, report = pf.cols, pf.report
        name_at, year_at, uri_at, date_at = c["Name"], c["Year"], c["Letterboxd URI"], c["Date"]
        for line, row in enumerate(pf.rows, start=2):
            ident = self.row_identity(row, name_at, year_at, report, line)
            if ident is None:
                continue
            uri = _uri(row[uri_at])
            film = self.film_by_uri_or_key(*ident, uri, report, line, create=False)
            if film is not None:
                film.liked = True
            self.export.likes.append((film.id if film else None, ident[0], ident[1], uri,
                                      self.date_of(row[date_at], "Date", pf, line)))

    def diary(self, pf: ParsedFile) -> None:
        c, report = pf.cols, pf.report
        name_at, year_at, watched_at, date_at = c["Name"], c["Year"], c["Watched Date"], c["Date"]
        uri_at, rating_at, rewatch_at, tags_at = c["Letterboxd URI"], c["Rating"], c["Rewatch"], c["Tags"]
        identity, date_of, rating_of = self.row_identity, self.date_of, self.rating_of
        entries = []
        for line, row in enumerate(pf.rows, start=2):
            ident = identity(row, name_at, year_at, report, line)
            if ident is None:
                continue
            watched_on = date_of(row[watched_at], "Watched Date", pf, line)
            logged_on = date_of(row[date_at], "Date", pf, line)
            # date order (rule 4): watched date, then logged date, then file order
            order = (watched_on or logged_on or date.min, logged_on or date.min, 0, line)
            entries.append((order, ident, watched_on, logged_on, row))
        entries.sort(key=itemgetter(0))
        by_key, candidates = self.by_key, self.candidates
        viewings, diary_by_uri = self.export.viewings, self.diary_by_uri
        dealt: dict[tuple, int] = defaultdict(int)
        for order, (name, year), watched_on, logged_on, row in entries:
            key = (title_key(name), year)
            found = by_key.get(key) or candidates(key)
            if len(found) > 1:  # films told apart by case alone ("Rain" and "rain", both 2019)
                exact = [f for f in found if f.name == name]
                found = exact if len(exact) == 1 else found
            if not found:
                film = self.unmatched_film(name, year, key, report, order[3])
            elif len(found) == 1:
                film = found[0]
                if year is not None and film.year is None:
                    self.took(film, year)
            else:
                film = found[dealt[key] % len(found)]
                dealt[key] += 1
                note = f"{len(found)} films in the export are called {name!r} ({year}); diary entries were dealt out in date order"
                for f in found:
                    f.identity_note = note
            film.sources.add("diary")
            uri = _uri(row[uri_at])
            viewing = Viewing(_new_id(), film.id, order, watched_on or logged_on, logged_on, rating_of(row[rating_at], report, line),
                              _is_yes(row[rewatch_at]), parse_tags(row[tags_at]), uri, "diary")
            film.viewings.append(viewing)
            viewings.append(viewing)
            if uri:
                diary_by_uri[uri] = (viewing, film)

    def reviews(self, pf: ParsedFile) -> None:
        c, report = pf.cols, pf.report
        name_at, year_at, watched_at, date_at = c["Name"], c["Year"], c["Watched Date"], c["Date"]
        uri_at, rating_at, rewatch_at, tags_at, review_at = c["Letterboxd URI"], c["Rating"], c["Rewatch"], c["Tags"], c["Review"]
        for line, row in enumerate(pf.rows, start=2):
            ident = self.row_identity(row, name_at, year_at, report, line)
            if ident is None:
                continue
            uri = _uri(row[uri_at])
            watched_on = self.date_of(row[watched_at], "Watched Date", pf, line)
            published = self.date_of(row[date_at], "Date", pf, line)
            rating = self.rating_of(row[rating_at], report, line)
            tags = parse_tags(row[tags_at])
            entry = self.diary_by_uri.get(uri) if uri else None
            if entry is not None:
                viewing, film = entry
            else:
                viewing = None
                key = (title_key(ident[0]), ident[1])
                found = self.candidates(key)
                if len(found) > 1:
                    exact = [f for f in found if f.name == ident[0]]
                    found = exact if len(exact) == 1 else found
                film = None
                for f in found:  # the film with a viewing that day, among same-titled films
                    if any(v.watched_on == watched_on for v in f.viewings):
                        film = f
                        break
                if film is None:
                    film = found[0] if found else self.unmatched_film(ident[0], ident[1], key, report, line)
                self.took(film, ident[1])
                if watched_on is not None:
                    viewing = next((v for v in film.viewings if v.watched_on == watched_on), None)
                    if viewing is None:
                        viewing = Viewing(_new_id(), film.id, (watched_on, published or date.min, 1, line), watched_on, published,
                                          rating, _is_yes(row[rewatch_at]), tags, uri, "reviews")
                        film.viewings.append(viewing)
                        self.export.viewings.append(viewing)
            film.sources.add("reviews")
            film.review_count += 1
            if rating is not None:
                when = watched_on or published or date.min
                if film.review_rating is None or when >= film.review_rating[0]:
                    film.review_rating = (when, rating)
            text = row[review_at].strip()
            self.export.reviews.append((_new_id(), film.id, viewing.id if viewing else None, watched_on, published, rating,
                                        _is_yes(row[rewatch_at]), text, tags, uri))

    def watchlist(self, pf: ParsedFile) -> None:
        c, report = pf.cols, pf.report
        name_at, year_at, uri_at, date_at = c["Name"], c["Year"], c["Letterboxd URI"], c["Date"]
        for line, row in enumerate(pf.rows, start=2):
            ident = self.row_identity(row, name_at, year_at, report, line)
            if ident is None:
                continue
            self.export.watchlist.append((line - 1, ident[0], ident[1], _uri(row[uri_at]),
                                          self.date_of(row[date_at], "Date", pf, line)))

    def a_list(self, pf: ParsedFile) -> None:
        list_id = _new_id()
        meta = pf.meta
        entries = []
        c, report = pf.cols, pf.report
        name_at, year_at, position_at, url_at, description_at = c["Name"], c["Year"], c["Position"], c["URL"], c["Description"]
        for line, row in enumerate(pf.rows, start=2):
            ident = self.row_identity(row, name_at, year_at, report, line)
            if ident is None:
                continue
            position = parse_position(row[position_at])
            if position is None:
                if row[position_at].strip():
                    self.warn(report, line, f"position {row[position_at].strip()[:20]!r} not understood; the row's place is used")
                position = len(entries) + 1
            uri = _uri(row[url_at])
            film = self.by_uri.get(uri) if uri else None
            entries.append((list_id, position, ident[0], ident[1], uri,
                            row[description_at].strip() or None, film.id if film else None))
        name = (meta.get("Name") or "").strip() or posixpath.basename(pf.name).removesuffix(".csv")
        self.export.lists.append((list_id, name[:500], (meta.get("Description") or "").strip() or None,
                                  parse_tags(meta.get("Tags")), _uri(meta.get("URL")), parse_date(meta.get("Date")), len(entries)))
        self.export.list_entries.extend(entries)

    # -- derived values
    def finish(self) -> None:
        for film in self.export.films:
            views = film.viewings
            if not views:  # marked watched or rated, never logged
                if film.ratings_rating is not None:
                    film.rating, film.rating_source = film.ratings_rating, "ratings"
                elif film.review_rating is not None:
                    film.rating, film.rating_source = film.review_rating[1], "reviews"
                continue
            if len(views) > 1:
                views.sort(key=_by_order)
            tags: dict[str, None] = {}
            latest_rated: Viewing | None = None
            rewatches = 0
            for index, view in enumerate(views):
                view.is_rewatch = is_rewatch = view.rewatch_flag or index > 0
                rewatches += is_rewatch
                if view.source == "diary" and view.rating is not None:
                    latest_rated = view
                for tag in view.tags:
                    tags.setdefault(tag, None)
            film.rewatch_count = rewatches
            film.tags = list(tags)
            # views are in date order, undated first (``order`` starts with the watched date or date.min)
            film.first_watched_on = next((v.watched_on for v in views if v.watched_on), None)
            film.last_watched_on = next((v.watched_on for v in reversed(views) if v.watched_on), None)
            if latest_rated is not None:
                film.rating, film.rating_source = latest_rated.rating, "diary"
            elif film.ratings_rating is not None:
                film.rating, film.rating_source = film.ratings_rating, "ratings"
            elif film.review_rating is not None:
                film.rating, film.rating_source = film.review_rating[1], "reviews"


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
