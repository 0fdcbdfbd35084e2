"""Wellness product settings (environment variables set by functions/wellness/template.yaml)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class WellnessSettings(BaseSettings):
    """Attributes:
    cognito_user_pool_id: the platform's user pool (``UserPoolId`` of the root stack; locally the
        pool ``backlot dev`` creates in the AWS emulator). Only the account functions use it.
    cognito_client_id: its app client (no secret; ``USER_PASSWORD_AUTH`` allowed).
    default_time_zone: a new profile's time zone until the user sets one (IANA name).
    """

    model_config = SettingsConfigDict(extra="ignore")

    cognito_user_pool_id: str | None = None
    cognito_client_id: str | None = None
    default_time_zone: str = "UTC"


@lru_cache(maxsize=1)
def get_settings() -> WellnessSettings:
    """Process-wide settings (read once per execution environment; tests call ``cache_clear``)."""
    return WellnessSettings()
