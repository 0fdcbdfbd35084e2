"""Family product settings (environment variables set by functions/family/template.yaml)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class FamilySettings(BaseSettings):
    """Attributes:
    uploads_bucket: private bucket for originals (never readable by clients).
    media_bucket: bucket for metadata-free copies, previews and thumbnails.
    max_direct_upload_bytes: limit of the multipart endpoint; a Lambda synchronous payload is at
        most 6 MB and API Gateway base64-encodes binary bodies (4/3), so about 4.4 MB of file fits.
    max_presigned_upload_bytes: limit of a presigned POST (bytes).
    presigned_upload_expiry_seconds: how long a presigned POST may be used.
    url_expiry_seconds: lifetime of the presigned GET URLs handed to clients.
    processing_lease_seconds: how long the media processor's claim on an item lasts.
    invitation_ttl_days: how long a household invitation can be answered (``INVITATION_TTL_DAYS``;
        an addition, design document 000 has no invitations). Read when an invitation is made: a
        change applies to new invitations only.
    """

    model_config = SettingsConfigDict(extra="ignore")

    uploads_bucket: str
    media_bucket: str
    max_direct_upload_bytes: int = 4_400_000
    max_presigned_upload_bytes: int = 50 * 1024 * 1024
    presigned_upload_expiry_seconds: int = 900
    url_expiry_seconds: int = 3600
    processing_lease_seconds: int = 300
    invitation_ttl_days: int = Field(default=7, ge=1, le=365)


@lru_cache(maxsize=1)
def get_settings() -> FamilySettings:
    """Process-wide settings; raises pydantic.ValidationError at cold start if a bucket is unset."""
    return FamilySettings()
