"""Platform settings, read from the environment with pydantic-settings.

Fail fast: :func:`get_settings` raises :class:`pydantic.ValidationError` at cold start when the
database cannot be located, instead of failing on the first query.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration shared by every function.

    Attributes:
        stage: deployment stage (``dev``, ``prod``, or ``local`` under ``backlot dev``).
        database_url: libpq URL; set locally (embedded PostgreSQL) and in tests.
        db_host: RDS Proxy endpoint; used with ``db_secret_arn`` on AWS.
        db_secret_arn: Secrets Manager secret holding ``username`` and ``password``
            (the RDS-managed master secret format).
        db_name: database name on AWS.
        db_connect_timeout_s: seconds before a connection attempt gives up.
    """

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    stage: str = "dev"
    database_url: str | None = None
    db_host: str | None = None
    db_port: int = 5432
    db_secret_arn: str | None = None
    db_name: str = "backlot"
    db_connect_timeout_s: int = 5

    @model_validator(mode="after")
    def _database_is_locatable(self) -> "Settings":
        if not self.database_url and not (self.db_host and self.db_secret_arn):
            raise ValueError(
                "database not configured: set DATABASE_URL, or DB_HOST and DB_SECRET_ARN"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide :class:`Settings` (read once per execution environment).

    Raises:
        pydantic.ValidationError: when required configuration is missing.
    """
    return Settings()
