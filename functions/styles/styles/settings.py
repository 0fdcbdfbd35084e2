"""Styles product settings (environment variables set by functions/styles/template.yaml)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class StylesSettings(BaseSettings):
    """Attributes:
    welcome_tokens: tokens granted once to every new user (document 004, M1-Auth-Backend: 100).
    """

    model_config = SettingsConfigDict(extra="ignore")

    welcome_tokens: int = 100


@lru_cache(maxsize=1)
def get_settings() -> StylesSettings:
    """Process-wide settings (read once per execution environment; tests call ``cache_clear``)."""
    return StylesSettings()
