"""Request bodies of the music API (design document 002; it gives tables, not endpoints, so the
endpoint shapes follow its columns). Unknown fields are refused, so a typo is a clear error rather
than silently ignored. Text may not contain NUL characters (PostgreSQL text cannot hold them: a
422 naming the field, not a failed insert); embeddings must be what pgvector can store
(:func:`music.domain.features.storable_embedding`)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from music.domain.features import NUL, storable_embedding

Embedding = Annotated[list[float], Field(min_length=5, max_length=5)]


def no_nul(value: str | None) -> str | None:
    """Refuse a string holding NUL (``\\u0000``): PostgreSQL ``text`` cannot store it."""
    if value is not None and NUL in value:
        raise ValueError("must not contain NUL (\\u0000) characters")
    return value


#: Text stored in a ``text`` column: no NUL.
Text = Annotated[str, AfterValidator(no_nul)]


class SongType(str, Enum):
    soundscape = "soundscape"
    instrumental = "instrumental"


class RoleName(str, Enum):
    admin = "admin"
    manager = "manager"


class PlayerReportedStatus(str, Enum):
    """What a player may say about itself when it polls (``offline`` is the server's verdict)."""

    online = "online"
    playing = "playing"
    idle = "idle"


def _check_embedding(value: list[float] | None) -> list[float] | None:
    return None if value is None else storable_embedding(value)


class _Strict(BaseModel):
    # defer_build: a model's validator is built when first needed (FastAPI builds the request
    # models of the routes it defines at import), so an entry module does not pay for the other
    # resources' models at cold start.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class SongCreate(_Strict):
    """``POST /api/songs/`` (managers and admins): the document's song columns but the file, which
    comes by upload. ``embedding`` is the song's vector(5) (see ``music.domain.features`` for the
    features the import uses); ``duration`` and ``bpm`` are replaced by what the audio file says."""

    title: Text = Field(min_length=1, max_length=500)
    artist: Text | None = Field(default=None, max_length=500)
    type: SongType | None = None
    embedding: Embedding | None = None
    duration: int | None = Field(default=None, ge=0, le=86400)
    bpm: int | None = Field(default=None, ge=1, le=1000)

    _embedding = field_validator("embedding")(_check_embedding)


class SongUpdate(_Strict):
    """``PATCH /api/songs/{id}/``: only the fields sent change."""

    title: Text | None = Field(default=None, min_length=1, max_length=500)
    artist: Text | None = Field(default=None, max_length=500)
    type: SongType | None = None
    embedding: Embedding | None = None
    bpm: int | None = Field(default=None, ge=1, le=1000)

    _embedding = field_validator("embedding")(_check_embedding)


class SongUploadRequest(_Strict):
    """``POST /api/songs/{id}/upload/``: ask for a presigned POST for the song's audio."""

    content_type: str = Field(pattern=r"^audio/[a-z0-9.+-]+$", max_length=100)
    size_bytes: int = Field(gt=0)


class RoleSet(_Strict):
    role: RoleName


class PlayerCreate(_Strict):
    """``POST /api/players/`` (interface of issue 3: ``{"name": ...}``). ``manager_id`` may be set by
    an admin; a manager creating a player becomes its manager."""

    name: Text = Field(min_length=1, max_length=200)
    manager_id: UUID | None = None


class PlayerUpdate(_Strict):
    """``PATCH /api/players/{id}/``: rename, or (admins) assign the manager (null to clear)."""

    name: Text | None = Field(default=None, min_length=1, max_length=200)
    manager_id: UUID | None = None


class LibraryAdd(_Strict):
    song_ids: list[UUID] = Field(min_length=1, max_length=500)


class CheckIn(_Strict):
    """``POST /api/sessions/`` (interface of issue 3: ``{"player_id": ...}``)."""

    player_id: UUID


class VoteCreate(_Strict):
    """``POST /api/votes/`` (interface of issue 3): ``vote_value`` 1..5 as the document's column."""

    song_id: UUID
    vote_value: int = Field(ge=1, le=5, strict=True)


class PlayedReport(_Strict):
    """``POST /api/player/played``: the song the player finished (or skipped). ``queue_entry_id``
    (from the poll) makes a repeated report a no-op; without it the earliest queue entry of the
    song is taken. ``played_at`` defaults to now and may be at most a day old."""

    song_id: UUID
    queue_entry_id: UUID | None = None
    played_at: datetime | None = None

    @field_validator("played_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must carry a UTC offset (ISO 8601, e.g. 2024-01-15T14:00:00Z)")
        return value


# ---------------------------------------------------------------- venues (issue 9 item 6)
class Problem(BaseModel):
    """RFC 9457 problem details, as the music API sends them (``application/problem+json``)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str
    errors: list[dict[str, str]] | None = None
    request_id: str | None = None


class NowPlaying(BaseModel):
    title: str
    artist: str | None = None


class VenuePublic(BaseModel):
    """What a listener learns from a venue code: enough to check in (``player_id``) and to see it
    is the right room; never the manager, the token, the queue or the listeners."""

    player_id: UUID
    name: str
    venue_code: str = Field(description="8 characters, A-Z and 2-9 without I and O")
    online: bool
    now_playing: NowPlaying | None


class VenueCodeRotated(BaseModel):
    """A player's new venue code (the old one finds nothing any more)."""

    player_id: UUID
    venue_code: str
