"""Music product settings (environment variables set by functions/music/template.yaml)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class MusicSettings(BaseSettings):
    """Attributes:
    songs_bucket: private bucket holding the audio (uploads land under ``uploads/``).
    max_upload_bytes: largest audio file a presigned POST accepts (bytes).
    url_expiry_seconds: lifetime of the presigned GET URLs handed to players and managers.
    processing_lease_seconds: how long one delivery of an upload event owns the song's processing.
    session_minutes: how long a check-in lasts before it expires (a repeat check-in extends it).
    queue_length: how many entries a refill keeps in a player's queue (now + next + later).
    queue_low_water: a queue shorter than this is refilled at once (poll, played, votes).
    queue_keep: entries at the head that a re-plan never replaces (what the player may already
        have fetched: the song playing now and the next one).
    online_seconds: a player whose last poll is older than this is offline.
    penalty_window_minutes: songs played at a player within this window are penalised.
    learning_rate: the step of the preference update (``music.domain.preference``).
    poll_interval_seconds: what the poll response tells players to wait before polling again.
    max_import_bytes: largest features CSV accepted by the import endpoint (bytes).
    """

    model_config = SettingsConfigDict(extra="ignore")

    songs_bucket: str
    max_upload_bytes: int = 200 * 1024 * 1024
    url_expiry_seconds: int = 3600
    processing_lease_seconds: int = 300
    session_minutes: int = 180
    queue_length: int = 5
    queue_low_water: int = 3
    queue_keep: int = 2
    online_seconds: int = 90
    penalty_window_minutes: int = 180
    learning_rate: float = 0.5
    poll_interval_seconds: int = 15
    max_import_bytes: int = 2_000_000


@lru_cache(maxsize=1)
def get_settings() -> MusicSettings:
    """Process-wide settings; raises pydantic.ValidationError at cold start if the bucket is unset."""
    return MusicSettings()
