"""Wellness product settings (environment variables set by functions/wellness/template.yaml)."""

from __future__ import annotations

from datetime import datetime
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
    openai_api_key: the OpenAI key (issue 11; local runs and tests); none, and no secret: the offline
        generator writes every text.
    openai_api_key_secret_arn: on AWS, a Secrets Manager secret holding the key (a plain string, or
        ``{"api_key": ...}``); read through :meth:`openai_key`.
    openai_base_url: the API's base URL (tests: the local fake server); none: the SDK's default.
    conversation_model / journal_model: the stronger model for conversations, the cheaper one for
        journals (document 001: GPT-4 for conversations, GPT-3.5-turbo for journals).
    *_temperature / *_max_tokens: sampling temperature and ``max_completion_tokens`` per kind.
    ai_prices: USD per million tokens ``{model: [input, output]}`` (OpenAI's price list); a model
        must have a price to be used. ai_batch_discount: the Batch API's factor (0.5: half price).
    ai_user_daily_budget_usd / ai_global_daily_budget_usd: the most one user / everyone may spend
        per UTC day; a generation that could pass either is not made.
    ai_max_attempts: generations of one text before it is ``failed`` for good.
    generate_queue_url: ``GenerateQueue`` (on-demand conversations).
    staff_group: the Cognito group allowed to read the AI costs.
    ai_clock: tests and local runs only: the time the nightly AI plan runs as (none: now).
    friend_requests_per_hour / friend_requests_per_day: friend requests (``POST
        /api/social/friends/``) one user may send in any sliding hour / day (wsocial3; 429 beyond).
    visit_proposals_per_hour / visit_proposals_per_day: the same for visit proposals (``POST
        /api/social/visits/``).
    conversation_requests_per_hour / conversation_requests_per_day: the same for on-demand
        conversations (``POST /api/conversations/generate/``; wellness/limits.py says why).
    webhook_queue_url: ``WebhookDeliveryQueue``: the sweep sends one message per due delivery.
    webhook_timeout_s: each phase (connect, write, read) of one webhook request, seconds.
    webhook_max_attempts: attempts of one delivery before it is ``failed`` (1-8: the Standard
        Webhooks schedule, ``wellness.notifications.sender``).
    webhook_allow_local: tests and ``backlot dev`` only: webhook URLs may be ``http`` to loopback
        (never set on AWS: any other internal address stays refused).
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
    # conversations and journals (wai)
    openai_api_key: str | None = None
    openai_api_key_secret_arn: str | None = None
    openai_base_url: str | None = None
    openai_timeout_s: float = 60.0
    conversation_model: str = "gpt-4o"
    journal_model: str = "gpt-4o-mini"
    conversation_temperature: float = Field(default=0.9, ge=0, le=2)
    journal_temperature: float = Field(default=0.8, ge=0, le=2)
    conversation_max_tokens: int = Field(default=1200, ge=100, le=16000)
    journal_max_tokens: int = Field(default=500, ge=100, le=16000)
    ai_prices: dict[str, tuple[float, float]] = {"gpt-4o": (2.50, 10.00), "gpt-4o-mini": (0.15, 0.60)}
    ai_batch_discount: float = Field(default=0.5, gt=0, le=1)
    ai_user_daily_budget_usd: float = Field(default=0.50, ge=0)
    ai_global_daily_budget_usd: float = Field(default=20.0, ge=0)
    ai_max_attempts: int = Field(default=3, ge=1, le=10)
    generate_queue_url: str | None = None
    staff_group: str = "staff"
    ai_clock: datetime | None = None
    # social rate limits (wsocial3)
    friend_requests_per_hour: int = Field(default=20, ge=0)
    friend_requests_per_day: int = Field(default=100, ge=0)
    visit_proposals_per_hour: int = Field(default=10, ge=0)
    visit_proposals_per_day: int = Field(default=30, ge=0)
    conversation_requests_per_hour: int = Field(default=30, ge=0)
    conversation_requests_per_day: int = Field(default=100, ge=0)
    # notifications and webhooks (wnotify)
    webhook_queue_url: str | None = None
    webhook_timeout_s: float = Field(default=5.0, gt=0, le=15)
    webhook_max_attempts: int = Field(default=8, ge=1, le=8)
    webhook_allow_local: bool = False

    def openai_key(self) -> str | None:
        """The OpenAI key: the setting, else the secret's value, else None (offline generator).

        Raises:
            botocore.exceptions.ClientError: the secret cannot be read (a configuration error).
        """
        if self.openai_api_key:
            return self.openai_api_key
        if self.openai_api_key_secret_arn:
            from backlot.secrets import secret_value

            return secret_value(self.openai_api_key_secret_arn, "api_key", "OPENAI_API_KEY")
        return None


@lru_cache(maxsize=1)
def get_settings() -> WellnessSettings:
    """Process-wide settings (read once per execution environment; tests call ``cache_clear``)."""
    return WellnessSettings()
