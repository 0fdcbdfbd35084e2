"""Music product settings (environment variables set by functions/music/template.yaml)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: What a poll (and the answer to a ``played`` report) hands a player: the song to play now and the
#: next two, each with a presigned URL, so the player can preload them. A re-plan never replaces
#: these (``queue_keep`` is at least this), or a later ``played`` report of one would find nothing.
POLL_ENTRIES = 3


class MusicSettings(BaseSettings):
    """Attributes:
    songs_bucket: private bucket holding the audio (uploads land under ``uploads/``).
    max_upload_bytes: largest audio file a presigned POST accepts (bytes).
    url_expiry_seconds: lifetime of the presigned GET URLs handed to players and managers.
    processing_lease_seconds: how long one delivery of an upload event owns the song's processing.
    presign_expiry_seconds: lifetime of a presigned upload POST. A song whose upload has not been
        claimed ``presign_expiry_seconds + processing_lease_seconds`` after it was asked for is
        ``rejected`` with ``upload_not_received`` (issue 9 item 5).
    processing_stall_seconds: a song claimed longer ago than this is ``rejected`` with
        ``processing_timed_out``: more than the audio queue's 3 deliveries x 720 s visibility
        timeout, so no delivery can still finish it.
    session_minutes: how long a check-in lasts before it expires (a repeat check-in extends it).
    queue_length: how many entries a refill keeps in a player's queue (now + next + later).
    queue_low_water: a queue shorter than this is refilled at once (poll, played, votes).
    queue_keep: entries at the head that a re-plan never replaces: at least :data:`POLL_ENTRIES`,
        what a poll hands out (the player may be playing or preloading any of them).
    online_seconds: a player whose last poll is older than this is offline.
    refill_seen_minutes: the scheduled refill only re-plans players that polled within this many
        minutes; a player that comes back gets its low queue refilled by its own poll, and is
        re-planned by the next scheduled run.
    refill_margin_ms: the scheduled refill starts no new player once the Lambda has less time
        left than this (the players not reached come first in the next run).
    penalty_window_minutes: songs played at a player within this window are penalised.
    learning_rate: the step of the preference update (``music.domain.preference``).
    poll_interval_seconds: what the poll response tells players to wait before polling again.
    vote_interval_seconds: a listener votes at most once per this many seconds; a faster vote is
        a 429 with ``Retry-After`` (issue 9 item 6).
    vote_replan_seconds: votes re-plan a player's queue at most once per this many seconds; a
        vote inside the window is stored and moves the listener's vector at once, and counts in
        the next re-plan (the next vote after the window, a check-in, or the scheduled refill
        within a minute).
    max_import_bytes: largest features CSV accepted by the import endpoint (bytes).
    """

    model_config = SettingsConfigDict(extra="ignore")

    songs_bucket: str
    max_upload_bytes: int = 200 * 1024 * 1024
    url_expiry_seconds: int = 3600
    processing_lease_seconds: int = 300
    presign_expiry_seconds: int = Field(default=900, ge=1, le=3600)
    processing_stall_seconds: int = Field(default=2400, ge=60)
    session_minutes: int = 180
    queue_length: int = 5
    queue_low_water: int = 3
    queue_keep: int = Field(default=POLL_ENTRIES, ge=POLL_ENTRIES)
    online_seconds: int = 90
    refill_seen_minutes: int = Field(default=10, ge=1)
    refill_margin_ms: int = Field(default=5000, ge=0)
    penalty_window_minutes: int = 180
    learning_rate: float = 0.5
    poll_interval_seconds: int = 15
    vote_interval_seconds: float = Field(default=2.0, ge=0)
    vote_replan_seconds: int = Field(default=10, ge=0)
    max_import_bytes: int = 2_000_000

    @model_validator(mode="after")
    def _queue_holds_what_is_kept(self) -> MusicSettings:
        if self.queue_length < self.queue_keep:
            raise ValueError(f"queue_length ({self.queue_length}) must be at least queue_keep ({self.queue_keep})")
        return self


@lru_cache(maxsize=1)
def get_settings() -> MusicSettings:
    """Process-wide settings; raises pydantic.ValidationError at cold start if the bucket is unset."""
    return MusicSettings()
