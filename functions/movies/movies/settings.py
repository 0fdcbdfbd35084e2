"""Movies product settings (environment variables set by functions/movies/template.yaml)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from movies.domain.export import Limits


class MoviesSettings(BaseSettings):
    """Attributes:
    exports_bucket: private bucket where presigned uploads land (``exports/<session id>``); the
        parse function deletes each object once parsed, a lifecycle rule removes leftovers in a day.
    enrich_queue_url: the SQS queue of enrichment jobs (one message per batch of films).
    tmdb_api_key: TMDB v3 API key or v4 read access token (local runs and tests).
    tmdb_api_key_secret_arn: on AWS, a Secrets Manager secret holding the key (a plain string, or
        JSON with ``api_key``); read through Powertools parameters with a 5-minute cache.
    tmdb_base_url: TMDB's API origin (a fake server in tests).
    tmdb_requests_per_second: this execution environment's share of TMDB's limit (about 40-50
        requests per second per IP, TMDB docs "Rate Limiting"); the enrich function runs at most
        ``MaximumConcurrency`` 2 environments, so 2 x 20 stays under it.
    tmdb_timeout_s: the longest one TMDB attempt waits (connect and read together); an enrich
        delivery starts no attempt with less than this left before its deadline (``movies.tmdb``).
    tmdb_retries: retries of one TMDB request (429, 5xx, connection errors), exponential backoff.
    enrich_batch_size: films per enrichment message.
    enrich_max_receives: the enrich queue's ``maxReceiveCount``: on that delivery, films still
        failing are marked failed so the session completes, and the message goes to the DLQ.
    parse_max_receives: the exports queue's ``maxReceiveCount`` (same idea for a parse that keeps
        failing: the session is marked failed).
    parse_lease_seconds: how long a parse claim keeps other deliveries of the upload off (more
        than the parse function's 120 s timeout).
    enrich_stall_seconds: how long an ``enriching`` session may go without progress (no film of it
        enriched or given up; since it was parsed or queued) before it is finished without the
        rest: its pending films become ``failed`` (``enrichment_timed_out``) and it completes.
        Derivation: a message of the enrich queue is delivered at most ``maxReceiveCount`` 3
        times, each failed or killed delivery hiding it for the ``VisibilityTimeout`` 720 s, so
        3 x 720 = 2160 s after its first receipt it has settled its films or sits in the
        dead-letter queue; plus a 900 s margin for the wait before the first receipt (a backlog
        behind ``MaximumConcurrency`` 2) = 3060 s (51 minutes). A session waiting behind a longer
        backlog than the margin is finished too: stalling is bounded, enrichment is best effort.
    parse_stall_seconds: the same bound for a presigned upload stuck in ``processing``: the exports
        queue's ``VisibilityTimeout`` 720 s x ``maxReceiveCount`` 3 + the same 900 s margin =
        3060 s. A session never parsed whose last parse lease (``parse_lease_seconds``) ran out
        more than this ago fails with ``parse_timed_out``; one never claimed at all, this long
        after its presigned POST expired (``presign_expiry_seconds``), with ``upload_not_received``.
        ``tests/unit/movies/test_stall_bounds.py`` checks both against the template.
    session_ttl_hours: how long a session and everything under it is kept.
    max_direct_upload_bytes: limit of the multipart endpoint; a Lambda synchronous payload is at
        most 6 MB and API Gateway base64-encodes binary bodies (4/3), so about 4.4 MB fits.
    max_presigned_upload_bytes: limit of a presigned POST (bytes).
    max_uncompressed_bytes, max_compression_ratio, max_zip_entries, max_rows: see ``Limits``.
    """

    model_config = SettingsConfigDict(extra="ignore")

    exports_bucket: str
    enrich_queue_url: str | None = None
    tmdb_api_key: SecretStr | None = None
    tmdb_api_key_secret_arn: str | None = None
    tmdb_base_url: str = "https://api.themoviedb.org"
    tmdb_requests_per_second: float = 20.0
    tmdb_timeout_s: float = 5.0
    tmdb_retries: int = 4
    enrich_batch_size: int = 25
    enrich_max_receives: int = 3
    parse_max_receives: int = 3
    parse_lease_seconds: int = 300
    enrich_stall_seconds: int = 3 * 720 + 900
    parse_stall_seconds: int = 3 * 720 + 900
    session_ttl_hours: int = 72
    presign_expiry_seconds: int = 900
    max_direct_upload_bytes: int = 4_400_000
    max_presigned_upload_bytes: int = 50 * 1024 * 1024
    max_uncompressed_bytes: int = 64 * 1024 * 1024
    max_compression_ratio: float = 100.0
    max_zip_entries: int = 5000
    max_rows: int = 500_000

    def limits(self) -> Limits:
        """The export reading limits."""
        return Limits(
            max_uncompressed_bytes=self.max_uncompressed_bytes,
            max_compression_ratio=self.max_compression_ratio,
            max_zip_entries=self.max_zip_entries,
            max_rows=self.max_rows,
        )

    def tmdb_key(self) -> str | None:
        """The TMDB key, or None when none is configured (enrichment is then skipped).

        Raises:
            botocore.exceptions.ClientError: the secret cannot be read (a configuration error).
        """
        if self.tmdb_api_key and self.tmdb_api_key.get_secret_value().strip():
            return self.tmdb_api_key.get_secret_value().strip()
        if not self.tmdb_api_key_secret_arn:
            return None
        from backlot.secrets import secret_value

        return secret_value(self.tmdb_api_key_secret_arn, "api_key", "TMDB_API_KEY", "read_access_token")


@lru_cache(maxsize=1)
def get_settings() -> MoviesSettings:
    """Process-wide settings (read once per execution environment; tests call ``cache_clear``)."""
    return MoviesSettings()
