"""Platform settings, read from the environment with pydantic-settings.

Fail fast: :func:`get_settings` raises :class:`pydantic.ValidationError` at cold start when the
database cannot be located, instead of failing on the first query.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration shared by every function.

    The database is located in one of three ways (checked in this order by ``backlot.db``):

    * ``DATABASE_URL``: a libpq URL, locally (embedded PostgreSQL) and in tests;
    * ``DB_HOST`` + ``DB_USER`` + ``DB_IAM_AUTH=true``: on AWS, every product function connects
      to RDS Proxy as its product's role (``backlot_<product>``) with an IAM auth token;
    * ``DB_HOST`` + ``DB_SECRET_ARN``: the master secret, used by the migration functions (they
      create the product roles) and by anything not yet moved to IAM auth.

    Attributes:
        stage: deployment stage (``dev``, ``prod``, or ``local`` under ``backlot dev``).
        database_url: libpq URL; set locally (embedded PostgreSQL) and in tests.
        db_host: RDS Proxy endpoint on AWS.
        db_port: its port.
        db_user: the database role to log in as with IAM auth (``backlot_family``, ...).
        db_iam_auth: connect with an RDS IAM auth token as the password.
        db_secret_arn: Secrets Manager secret holding ``username`` and ``password``
            (the RDS-managed master secret format).
        db_name: database name on AWS.
        db_sslmode: libpq ``sslmode`` on AWS. ``verify-full`` by default: RDS Proxy presents an
            AWS Certificate Manager certificate for its endpoint name, so the server's identity is
            checked too (AWS docs, "Using TLS/SSL with RDS Proxy").
        db_ssl_root_cert: CA bundle for ``verify-full``; by default the bundle botocore ships
            (``botocore/cacert.pem``), which holds the Amazon Trust Services roots that sign ACM
            certificates. Point it at the RDS CA bundle when ``DB_HOST`` is a DB instance itself.
        aws_region: the region (``AWS_REGION``, set by Lambda, or ``AWS_DEFAULT_REGION``); signs the IAM auth token.
        db_connect_timeout_s: seconds before a connection attempt gives up.
    """

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    stage: str = "dev"
    database_url: str | None = None
    db_host: str | None = None
    db_port: int = 5432
    db_user: str | None = None
    db_iam_auth: bool = False
    db_secret_arn: str | None = None
    db_name: str = "backlot"
    db_sslmode: str = "verify-full"
    db_ssl_root_cert: str | None = None
    aws_region: str | None = Field(default=None, validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    db_connect_timeout_s: int = 5

    @model_validator(mode="after")
    def _database_is_locatable(self) -> "Settings":
        if self.database_url:
            return self
        if self.db_host and self.db_iam_auth and self.db_user:
            if not self.aws_region:
                raise ValueError("DB_IAM_AUTH needs the region (AWS_REGION, which Lambda sets) to sign the token")
            return self
        if self.db_host and self.db_secret_arn:
            return self
        raise ValueError(
            "database not configured: set DATABASE_URL, or DB_HOST and DB_USER with DB_IAM_AUTH=true, "
            "or DB_HOST and DB_SECRET_ARN"
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide :class:`Settings` (read once per execution environment).

    Raises:
        pydantic.ValidationError: when required configuration is missing.
    """
    return Settings()
