"""Request and response bodies of the music API (design document 002; it gives tables, not
endpoints, so the endpoint shapes follow its columns). Requests (``backlot.models.RequestModel``):
unknown fields are refused, so a typo is a clear 422 rather than silently ignored; text may not
contain NUL characters (PostgreSQL text cannot hold them: a 422 naming the field, not a failed
insert); embeddings are five JSON numbers (booleans are refused: strict floats) that pgvector can
store (:func:`music.domain.features.storable_embedding`). Responses are allow-lists (``XPublic``,
``XPage``; ``backlot.models.PublicModel``): bucket keys and token hashes never leave the API."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BeforeValidator, Field, StrictFloat, WithJsonSchema, field_validator

from backlot.models import JsonInt, PresignedUpload, PublicModel, RequestModel, json_number

from music.domain.features import MAX_COMPONENT, MIN_COMPONENT, NUL, storable_embedding

#: One component as pgvector keeps it (:func:`music.domain.features.storable_embedding`): 0, or a
#: magnitude in [MIN_COMPONENT, MAX_COMPONENT].
_COMPONENT_SCHEMA = {"anyOf": [
    {"type": "number", "const": 0},
    {"type": "number", "minimum": MIN_COMPONENT, "maximum": MAX_COMPONENT},
    {"type": "number", "minimum": -MAX_COMPONENT, "maximum": -MIN_COMPONENT},
]}

#: A song's vector(5): five JSON numbers (``true`` is not a number here, though Python's bool is an
#: int), each storable, not all zero (the zero vector has no direction).
Embedding = Annotated[
    list[StrictFloat],
    Field(min_length=5, max_length=5),
    WithJsonSchema({"type": "array", "items": _COMPONENT_SCHEMA, "minItems": 5, "maxItems": 5,
                    "not": {"items": {"const": 0}}}),
]


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


class _Strict(RequestModel):
    """Base of the music request bodies (``backlot.models.RequestModel``)."""


# ---------------------------------------------------------------- responses (allow-lists)
SongStatus = Literal["awaiting_upload", "processing", "ready", "rejected"]
PlayerStatus = Literal["online", "offline", "playing", "idle"]


class SessionPublic(PublicModel):
    """A listener's check-in at a player (document 002 ``sessions``; addition: ``player_id``)."""

    id: UUID
    user_id: UUID
    player_id: UUID
    checked_in_at: datetime
    expires_at: datetime
    checked_out_at: datetime | None
    status: Literal["active", "inactive"]


class MePublic(PublicModel):
    """``GET /api/me/``: the caller, its role, taste vector and active session."""

    user_id: UUID
    email: str | None
    role: RoleName | None
    groups: list[str]
    preference_vector: list[float] | None
    votes_count: int
    session: SessionPublic | None


class RoleGrant(PublicModel):
    """``PUT /api/roles/{user_id}/``: the role given."""

    user_id: UUID
    role: RoleName
    granted_by: UUID | None
    granted_at: datetime


class RolePublic(RoleGrant):
    id: UUID
    email: str | None


class RolePage(PublicModel):
    roles: list[RolePublic]
    next_cursor: str | None


class SongPublic(PublicModel):
    """A song (document 002 ``songs`` but the file): ``status`` with ``reason``/``reason_code`` when
    rejected. ``file_url`` (a presigned GET of the audio, once ready), ``source`` and ``external_id``
    are shown to managers and admins only (null for listeners)."""

    id: UUID
    title: str
    artist: str | None
    type: SongType | None
    status: SongStatus
    reason: str | None
    reason_code: str | None
    mime_type: str | None
    file_size_bytes: int | None
    embedding: list[float] | None
    duration: int | None
    bpm: int | None
    processed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    file_url: str | None
    source: str | None = None
    external_id: str | None = None


class SongPage(PublicModel):
    songs: list[SongPublic]
    next_cursor: str | None


class SongUploadPublic(PublicModel):
    """``POST /api/songs/{id}/upload/``: the song (now ``processing``) and the presigned POST."""

    song: SongPublic
    upload: PresignedUpload


class ImportResult(PublicModel):
    """``POST /api/songs/import/``: songs created and updated, rows read."""

    created: int
    updated: int
    rows: int


class CurrentSong(PublicModel):
    id: UUID
    title: str | None
    artist: str | None


class QueueEntry(PublicModel):
    """One entry of a player's queue, head first."""

    queue_entry_id: UUID
    position: int
    reason: str | None
    added_at: datetime
    song_id: UUID
    title: str
    artist: str | None
    type: SongType | None
    duration: int | None
    bpm: int | None
    mime_type: str | None


class PlayEntry(QueueEntry):
    """A queue entry handed to the player: ``url`` is a presigned GET of the audio."""

    url: str
    url_expires_in: int = Field(description="seconds")


class PlayedEntry(PublicModel):
    """A play written to the player's history (document 002 ``songs_playing``)."""

    id: UUID
    song_id: UUID
    played_at: datetime
    queue_entry_id: UUID | None


class HistoryEntry(PlayedEntry):
    title: str
    artist: str | None


class PlayerPublic(PublicModel):
    """A player for managers: document 002 ``players`` (never the token: ``token_hint`` only),
    ``online`` from the heartbeat, ``status`` as reported or ``offline``."""

    id: UUID
    name: str
    status: PlayerStatus
    current_song_id: UUID | None
    current_song: CurrentSong | None
    last_poll: datetime | None
    manager_id: UUID | None
    library_size: int
    token_hint: str | None
    token_rotated_at: datetime | None
    revoked_at: datetime | None
    revoked: bool
    created_by: UUID | None
    created_at: datetime
    online: bool
    library_only: bool
    queue_length: int | None = None
    listeners: int | None = None
    #: issue 9 item 6: the code the venue's listeners type to find this player
    venue_code: str | None = None


class PlayerCreated(PlayerPublic):
    """``POST /api/players/``: the player and its device ``token``, shown this once."""

    token: str


class PlayerDetail(PlayerPublic):
    """The managers' page of a player: the queue, the last plays, the listeners' collective vector."""

    queue: list[QueueEntry]
    history: list[HistoryEntry]
    collective_vector: list[float] | None


class PlayerDetailWithToken(PlayerDetail):
    """``POST /api/players/{id}/token/``: the player and its new device ``token``, shown this once."""

    token: str


class PlayerPage(PublicModel):
    players: list[PlayerPublic]
    next_cursor: str | None


class QueueList(PublicModel):
    queue: list[QueueEntry]


class HistoryPage(PublicModel):
    history: list[HistoryEntry]
    next_cursor: str | None


class Recommendation(PublicModel):
    """What ``recommend_with_penalty`` picks (document 002, "Data Flow" step 4)."""

    song_id: UUID
    distance: float | None
    penalty: float | None
    score: float | None
    target_source: str | None
    title: str
    artist: str | None


class RecommendationList(PublicModel):
    recommendations: list[Recommendation]


class LibraryEntry(PublicModel):
    id: UUID
    song_id: UUID
    added_at: datetime
    title: str
    artist: str | None
    status: SongStatus


class LibraryPage(PublicModel):
    library: list[LibraryEntry]
    next_cursor: str | None


class LibraryAdded(PublicModel):
    """``POST /api/players/{id}/library/``: songs added, and where the library stands."""

    added: int
    library_size: int
    library_playable: int
    library_only: bool


class Poll(PublicModel):
    """``GET /api/player/poll``: what to play now and next, and when to poll again."""

    player_id: UUID
    name: str
    #: issue 9 item 6: the code to show in the venue (listeners find the player by it)
    venue_code: str | None = None
    status: PlayerStatus
    now: PlayEntry | None
    next: list[PlayEntry]
    poll_after_seconds: int


class PlayedResult(PublicModel):
    """``POST /api/player/played``: whether the play was recorded (or was a repeat), and the new now/next."""

    recorded: bool
    duplicate: bool
    history: PlayedEntry | None
    now: PlayEntry | None
    next: list[PlayEntry]


class NowPlaying(PublicModel):
    queue_entry_id: UUID
    song_id: UUID
    title: str
    artist: str | None
    duration: int | None


class CurrentSessionPublic(SessionPublic):
    """``GET /api/sessions/current/``: the session and what its player plays now and next."""

    now_playing: NowPlaying | None
    up_next: list[NowPlaying]


class VotePublic(PublicModel):
    """``POST /api/votes/``: the vote (document 002 ``votes``) and the listener's moved taste vector."""

    id: UUID
    user_id: UUID
    song_id: UUID
    session_id: UUID
    player_id: UUID
    vote_value: int = Field(ge=1, le=5)
    vote_time: datetime
    preference_vector: list[float]


class SongCreate(_Strict):
    """``POST /api/songs/`` (managers and admins): the document's song columns but the file, which
    comes by upload. ``embedding`` is the song's vector(5) (see ``music.domain.features`` for the
    features the import uses); ``duration`` and ``bpm`` are replaced by what the audio file says."""

    title: Text = Field(min_length=1, max_length=500)
    artist: Text | None = Field(default=None, max_length=500)
    type: SongType | None = None
    embedding: Embedding | None = None
    duration: Annotated[int, Field(ge=0, le=86400), BeforeValidator(json_number)] | None = None
    bpm: Annotated[int, Field(ge=1, le=1000), BeforeValidator(json_number)] | None = None

    _embedding = field_validator("embedding")(_check_embedding)


class SongUpdate(_Strict):
    """``PATCH /api/songs/{id}/``: only the fields sent change (``title`` may be left out, not null)."""

    title: Text = Field(default=None, min_length=1, max_length=500)  # type: ignore[assignment]
    artist: Text | None = Field(default=None, max_length=500)
    type: SongType | None = None
    embedding: Embedding | None = None
    bpm: Annotated[int, Field(ge=1, le=1000), BeforeValidator(json_number)] | None = None

    _embedding = field_validator("embedding")(_check_embedding)


class SongUploadRequest(_Strict):
    """``POST /api/songs/{id}/upload/``: ask for a presigned POST for the song's audio."""

    content_type: str = Field(pattern=r"^audio/[a-z0-9.+-]+$", max_length=100)
    size_bytes: JsonInt = Field(gt=0)


class RoleSet(_Strict):
    role: RoleName


class PlayerCreate(_Strict):
    """``POST /api/players/`` (interface of issue 3: ``{"name": ...}``). ``manager_id`` may be set by
    an admin; a manager creating a player becomes its manager."""

    name: Text = Field(min_length=1, max_length=200)
    manager_id: UUID | None = None


class PlayerUpdate(_Strict):
    """``PATCH /api/players/{id}/``: rename, or (admins) assign the manager (null to clear)."""

    name: Text = Field(default=None, min_length=1, max_length=200)  # type: ignore[assignment] - not null
    manager_id: UUID | None = None


class LibraryAdd(_Strict):
    song_ids: list[UUID] = Field(min_length=1, max_length=500)


class CheckIn(_Strict):
    """``POST /api/sessions/`` (interface of issue 3: ``{"player_id": ...}``)."""

    player_id: UUID


class VoteCreate(_Strict):
    """``POST /api/votes/`` (interface of issue 3): ``vote_value`` 1..5 as the document's column
    (a JSON integer: ``3`` or ``3.0``, never ``true``)."""

    song_id: UUID
    vote_value: JsonInt = Field(ge=1, le=5)


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
class VenueNowPlaying(PublicModel):
    """What a venue's player plays now, as a listener sees it."""


    title: str
    artist: str | None = None


class VenuePublic(PublicModel):
    """What a listener learns from a venue code: enough to check in (``player_id``) and to see it
    is the right room; never the manager, the token, the queue or the listeners."""

    player_id: UUID
    name: str
    venue_code: str = Field(description="8 characters, A-Z and 2-9 without I and O")
    online: bool
    now_playing: VenueNowPlaying | None


class VenueCodeRotated(PublicModel):
    """A player's new venue code (the old one finds nothing any more)."""

    player_id: UUID
    venue_code: str
