"""Wellness product settings (environment variables set by functions/wellness/template.yaml)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WellnessSettings(BaseSettings):
    """Attributes:
    cognito_user_pool_id: the platform's user pool (``UserPoolId`` of the root stack; locally the
        pool ``backlot dev`` creates in the AWS emulator). Only the account functions use it.
    cognito_client_id: its app client (no secret; ``USER_PASSWORD_AUTH`` allowed).
    default_time_zone: a new profile's time zone until the user sets one (IANA name).
    recalculate_queue_url: ``RecalculateQueue`` (usage): one message per upload asks for the
        recalculation of the user's affected days (WELLNESS.md).
    max_upload_bytes: the largest bulk-upload body. A synchronous Lambda invocation's payload is at
        most 6 MB (Lambda quotas), so a larger body never reaches the function on AWS; a year of one
        device with 50 apps a day is about 2.5 MB.
    max_import_bytes: the largest StayFree import (multipart). API Gateway base64-encodes binary
        bodies (4/3), so about 4.4 MB of files fit in Lambda's 6 MB; the real export is 350 kB.
    trends_min_users: k of the cross-user trends' k-anonymity: an app or pattern is shown only when
        at least this many users have it (wanalytics; ``GET /api/analytics/trends/``).
    """

    model_config = SettingsConfigDict(extra="ignore")

    cognito_user_pool_id: str | None = None
    cognito_client_id: str | None = None
    default_time_zone: str = "UTC"
    # usage (wusage)
    recalculate_queue_url: str | None = None
    max_upload_bytes: int = 6_000_000
    max_import_bytes: int = 4_000_000
    # analytics (wanalytics)
    trends_min_users: int = Field(default=5, ge=2)


@lru_cache(maxsize=1)
def get_settings() -> WellnessSettings:
    """Process-wide settings (read once per execution environment; tests call ``cache_clear``)."""
    return WellnessSettings()
