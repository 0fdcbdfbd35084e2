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
artist + title identify the song), ``duration_ms``. Other columns are ignored.
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
            in (0, 400] BPM, or the vector would be all zero (no direction to compare).
    """
    values = {"danceability": danceability, "energy": energy, "valence": valence, "acousticness": acousticness}
    for name, value in values.items():
        if not math.isfinite(value) or not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be a number in [0, 1], got {value}")
    if not math.isfinite(tempo_bpm) or not 0.0 < tempo_bpm <= 400.0:
        raise ValueError(f"tempo must be in (0, 400] BPM, got {tempo_bpm}")
    vector = [danceability, energy, valence, acousticness, scale_tempo(tempo_bpm)]
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


def parse_features_csv(text: str, *, max_rows: int = MAX_ROWS) -> list[ImportedSong]:
    """Parse a features CSV into songs; all or nothing.

    Raises:
        FeatureCsvError: no header, a required column missing, more than ``max_rows`` rows, or any
            row invalid (every bad row is listed, up to 50) or repeated.
    """
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
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
    for number, row in enumerate(reader, start=2):
        if len(songs) + len(errors) >= max_rows:
            raise FeatureCsvError(f"more than {max_rows} rows; split the file")
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # blank line
        try:
            title = (row.get(title_col) or "").strip()
            if not title or len(title) > 500:
                raise ValueError(f"{title_col} must be 1..500 characters")
            artist = (row.get(artist_col) or "").strip() or None if artist_col else None
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
            external_id = (row.get("id") or "").strip() or f"{(artist or '').lower()}|{title.lower()}"
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
