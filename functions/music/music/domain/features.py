"""Song embeddings from audio features, and the features CSV import.

The five features (each in [0, 1], in this order)
-------------------------------------------------
1. ``danceability`` (Spotify: how suitable for dancing, from tempo, rhythm stability, beat strength)
2. ``energy`` (perceived intensity and activity)
3. ``valence`` (musical positiveness: happy/cheerful high, sad/angry low)
4. ``acousticness`` (confidence the track is acoustic)
5. ``tempo``, scaled linearly from 50..200 BPM to 0..1 and clamped: ``(bpm - 50) / 150``

These are the definitions of Spotify's audio features (Spotify Web API reference, "Get Track's
Audio Features"), the columns of ``top2018.csv`` and of the many exports made from that API. They
are what sets the mood of a room: how danceable, how intense, how bright, how acoustic, how fast.
Left out: ``loudness`` (largely redundant with energy, and in dB), ``speechiness``, ``liveness``
and ``instrumentalness`` (near zero for most music, so they would mostly add noise), ``key`` and
``mode`` (categorical). The four [0, 1] features are used as they are; tempo needs the scaling so
that no feature outweighs the others. Cosine distance then compares the *shape* of the profile.

CSV format
----------
A header row, then one song per row; UTF-8 (a BOM is accepted), comma-separated, quoted fields
allowed. Required columns: ``name`` (or ``title``), the five features. Optional: ``artists`` (or
``artist``), ``id`` (the catalogue's id, used to update the same song on a re-import; without it
artist + title identify the song), ``duration_ms``. Other columns are ignored. Text may not
contain NUL characters (PostgreSQL text cannot hold them). A file the ``csv`` module cannot read
(e.g. a field over its 131,072-character limit) is refused with the line its record starts on.

What the database can store
---------------------------
pgvector keeps each component as a 32-bit float (float4): a component smaller than about 1e-38 in
magnitude loses precision and one below about 1e-45 becomes 0, so ``[1e-50, 0, 0, 0, 0]`` would be
stored as the zero vector (no direction; refused by the ``songs`` table's check). Rule: every
non-zero component has a magnitude of at least :data:`MIN_COMPONENT` (1e-30, a normal float4 well
clear of that edge), and at most :data:`MAX_COMPONENT`; :func:`storable_embedding` checks it for the
API and the import alike.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

FEATURES = ("danceability", "energy", "valence", "acousticness", "tempo")
TEMPO_MIN_BPM = 50.0
TEMPO_MAX_BPM = 200.0
MAX_ROWS = 10_000
MAX_ERRORS_REPORTED = 50
#: Smallest magnitude of a non-zero embedding component (see "What the database can store").
MIN_COMPONENT = 1e-30
#: Largest magnitude of an embedding component.
MAX_COMPONENT = 1e6
NUL = "\x00"


def storable_embedding(values: list[float]) -> list[float]:
    """Check that pgvector stores ``values`` as the non-zero direction it is (module docstring).

    Raises:
        ValueError: a component is not finite, above :data:`MAX_COMPONENT` or non-zero below
            :data:`MIN_COMPONENT` in magnitude, or every component is zero.
    """
    if not all(isinstance(x, (int, float)) and math.isfinite(x) and abs(x) <= MAX_COMPONENT for x in values):
        raise ValueError(f"every component must be a finite number with |x| <= {MAX_COMPONENT:g}")
    if any(x != 0 and abs(x) < MIN_COMPONENT for x in values):
        raise ValueError(
            f"every component must be 0 or at least {MIN_COMPONENT:g} in magnitude "
            "(smaller ones are lost in the database's 32-bit floats)"
        )
    if not any(values):
        raise ValueError("the zero vector has no direction; cosine distance is undefined for it")
    return values


@dataclass(frozen=True)
class ImportedSong:
    """One row: ``external_id`` (catalogue id or ``artist|title``), title, artist, the 5-vector,
    ``duration`` in whole seconds and ``bpm`` (rounded tempo) when the row has them."""

    external_id: str
    title: str
    artist: str | None
    embedding: list[float]
    duration: int | None
    bpm: int | None


@dataclass
class FeatureCsvError(ValueError):
    """The CSV cannot be imported; ``errors`` are ``{"row": n, "message": ...}`` (row 1 = header)."""

    message: str
    errors: list[dict[str, object]] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


def scale_tempo(bpm: float) -> float:
    """``(bpm - 50) / 150`` clamped to [0, 1]."""
    return min(1.0, max(0.0, (bpm - TEMPO_MIN_BPM) / (TEMPO_MAX_BPM - TEMPO_MIN_BPM)))


def embedding_from_features(danceability: float, energy: float, valence: float, acousticness: float, tempo_bpm: float) -> list[float]:
    """The song's vector(5) from its features (see the module docstring).

    Raises:
        ValueError: a feature is not finite, a [0, 1] feature is outside [0, 1], the tempo is not
            in (0, 400] BPM, the vector would be all zero (no direction to compare), or a feature is
            non-zero but below :data:`MIN_COMPONENT` (it would be lost in storage).
    """
    values = {"danceability": danceability, "energy": energy, "valence": valence, "acousticness": acousticness}
    for name, value in values.items():
        if not math.isfinite(value) or not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be a number in [0, 1], got {value}")
    if not math.isfinite(tempo_bpm) or not 0.0 < tempo_bpm <= 400.0:
        raise ValueError(f"tempo must be in (0, 400] BPM, got {tempo_bpm}")
    vector = [danceability, energy, valence, acousticness, scale_tempo(tempo_bpm)]
    for name, value in zip(FEATURES, vector):
        if value != 0 and abs(value) < MIN_COMPONENT:
            raise ValueError(f"{name} must be 0 or at least {MIN_COMPONENT:g} (smaller values are lost in storage), got {value}")
    if not any(vector):
        raise ValueError("all five features are zero: the song has no direction to compare")
    return vector


def _number(row: dict[str, str], column: str) -> float:
    raw = (row.get(column) or "").strip()
    if not raw:
        raise ValueError(f"{column} is empty")
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{column} is not a number: {raw[:40]!r}") from exc


def _text(row: dict[str, str], column: str | None, label: str) -> str:
    value = (row.get(column) or "").strip() if column else ""
    if NUL in value:
        raise ValueError(f"{label} must not contain NUL (\\u0000) characters")
    return value


def _unreadable(exc: csv.Error, line: int, row: int, errors: list[dict[str, object]]) -> FeatureCsvError:
    """The CSV module gave up at ``line`` (the first line of record ``row``): a 400, not a crash."""
    message = f"line {line}: the CSV cannot be read ({exc})"
    return FeatureCsvError(f"{message}; nothing was imported", (errors + [{"row": row, "message": message}])[:MAX_ERRORS_REPORTED])


#: Longest field a features CSV may hold (the csv module's default limit, 131,072 characters);
#: a longer one is a ``csv.Error`` reported with its line.
MAX_FIELD_CHARS = 131_072


def parse_features_csv(text: str, *, max_rows: int = MAX_ROWS) -> list[ImportedSong]:
    """Parse a features CSV into songs; all or nothing.

    Raises:
        FeatureCsvError: no header, a required column missing, more than ``max_rows`` rows, any
            row invalid (every bad row is listed, up to 50: e.g. a NUL in the title, artist or id)
            or repeated, or a record the ``csv`` module cannot read (``csv.Error``, e.g. a field
            over its size limit; reported with the line it starts on).
    """
    text = text.lstrip("\ufeff")
    # The csv module's field limit is process-wide and other code may change it: pin ours.
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise _unreadable(exc, 1, 1, []) from exc
    header = [h.strip().lower() for h in (fieldnames or [])]
    if not header:
        raise FeatureCsvError("the CSV is empty: expected a header row")
    reader.fieldnames = header
    title_col = "name" if "name" in header else "title" if "title" in header else None
    artist_col = "artists" if "artists" in header else "artist" if "artist" in header else None
    missing = [c for c in FEATURES if c not in header] + ([] if title_col else ["name"])
    if missing:
        raise FeatureCsvError(f"missing column(s): {', '.join(missing)}", [{"row": 1, "message": f"missing {', '.join(missing)}"}])

    songs: list[ImportedSong] = []
    errors: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    number = 1
    while True:
        start_line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _unreadable(exc, start_line, number + 1, errors) from exc
        number += 1
        if len(songs) + len(errors) >= max_rows:
            raise FeatureCsvError(f"more than {max_rows} rows; split the file")
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # blank line
        try:
            title = _text(row, title_col, title_col)
            if not title or len(title) > 500:
                raise ValueError(f"{title_col} must be 1..500 characters")
            artist = _text(row, artist_col, artist_col or "artist") or None
            if artist and len(artist) > 500:
                raise ValueError("artist is longer than 500 characters")
            tempo = _number(row, "tempo")
            embedding = embedding_from_features(
                _number(row, "danceability"), _number(row, "energy"), _number(row, "valence"), _number(row, "acousticness"), tempo
            )
            duration = None
            if (row.get("duration_ms") or "").strip():
                ms = _number(row, "duration_ms")
                if not math.isfinite(ms) or not 0 <= ms <= 86_400_000:
                    raise ValueError("duration_ms must be 0..86400000")
                duration = round(ms / 1000)
            external_id = _text(row, "id", "id") or f"{(artist or '').lower()}|{title.lower()}"
            if len(external_id) > 200:
                raise ValueError("id is longer than 200 characters")
        except ValueError as exc:
            errors.append({"row": number, "message": str(exc)})
            continue
        if external_id in seen:
            errors.append({"row": number, "message": f"same song as row {seen[external_id]}"})
            continue
        seen[external_id] = number
        bpm = round(tempo) if 1 <= round(tempo) <= 1000 else None
        songs.append(ImportedSong(external_id, title, artist, embedding, duration, bpm))
    if errors:
        raise FeatureCsvError(f"{len(errors)} row(s) are invalid; nothing was imported", errors[:MAX_ERRORS_REPORTED])
    if not songs:
        raise FeatureCsvError("the CSV has a header but no rows")
    return songs
