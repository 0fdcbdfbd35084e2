"""Settings of the styles product's models, training and generation (environment variables set by
functions/styles/template.yaml; ``backlot dev`` points the provider ones at the local provider).

Kept apart from ``styles.settings`` (accounts and tokens) so each half of the product reads only
what it uses.
"""

from __future__ import annotations

from functools import lru_cache

from backlot.secrets import secret_value
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class GpuSettings(BaseSettings):
    """Attributes:
    artworks_bucket: private bucket of training images (``artworks/<model>/...``: clean images and
        thumbnails; ``uploads/<model>/...``: presigned uploads, deleted once processed), training
        ZIPs (``training-sets/<model>.zip``) and generated images (``generations/<id>.png``).
        Clients read them through presigned GET URLs only.
    training_queue_url, generation_queue_url: the ``model_training`` and ``image_generation``
        queues (design document 004, M2-RabbitMQ-Integration).
    public_api_url: where the provider reaches this API, base path included (the custom domain's
        ``https://api.example.com/styles``; ``backlot dev``: ``http://127.0.0.1:3000/styles``);
        webhook URLs are ``<public_api_url>/api/...``. Empty: no webhook reaches us, and the
        reconcile job settles every job by asking the provider.
    provider_base_url: the provider's API origin (Replicate, or the local provider).
    provider_api_token / provider_api_token_secret_arn: the provider's API token (local value or
        Secrets Manager secret: plain string or ``{"api_token": ...}``).
    provider_webhook_secret / provider_webhook_secret_arn: the provider's webhook signing secret
        (``whsec_...``; Replicate: ``GET /v1/webhooks/default/secret``).
    internal_api_token / internal_api_token_secret_arn: the document's internal token that a
        worker sends to the status webhooks (``X-Internal-Token``), compared in constant time.
    provider_trainer, provider_destination: the LoRA trainer (``owner/name:version``) and the model
        trainings push versions to (``owner/name``).
    training_steps: the trainer's ``steps``; num_epochs: the document's training message field.
    direct_upload_max_bytes: the most a multipart ``POST /api/models/`` may carry in all: a Lambda
        synchronous request is at most 6 MB and API Gateway base64-encodes binary bodies (x 4/3),
        so about 4.4 MB of files fit (the HTTP API's own 10 MB payload limit is not the binding one).
        Larger sets go through presigned uploads.
    image_max_bytes: one training image (document: "max 10MB each").
    presign_expiry_seconds: life of a presigned upload form.
    webhook_tolerance_s: replay window of a signed provider callback.
    requeue_after_s: a ``queued`` job whose message was sent this long ago without the provider
        taking it is sent again by the reconcile job (the send after commit may have been lost).
    max_queued_s: a job still ``queued`` this long after it was made fails (the provider never
        took it, e.g. a dead-letter message that no re-send got through); a generation is refunded.
    training_deadline_s, generation_deadline_s: a job the provider has not finished this long after
        dispatch is asked about; past ``2 x`` the deadline without an answer it fails (a failed
        generation is refunded).
    """

    model_config = SettingsConfigDict(extra="ignore")

    artworks_bucket: str = "styles-artworks"
    training_queue_url: str | None = None
    generation_queue_url: str | None = None
    public_api_url: str = "http://127.0.0.1:3000/styles"
    provider_base_url: str = "https://api.replicate.com"
    provider_api_token: SecretStr | None = None
    provider_api_token_secret_arn: str | None = None
    provider_webhook_secret: SecretStr | None = None
    provider_webhook_secret_arn: str | None = None
    internal_api_token: SecretStr | None = None
    internal_api_token_secret_arn: str | None = None
    provider_trainer: str = (
        "ostris/flux-dev-lora-trainer:26dce37af90b9d997eeb970d92e47de3064d46c300504ae376c75bef6a9022d2")
    provider_destination: str = "backlot/styles"
    training_steps: int = 1000
    num_epochs: int = 10
    direct_upload_max_bytes: int = 4_400_000
    image_max_bytes: int = 10 * 1024 * 1024
    presign_expiry_seconds: int = 900
    webhook_tolerance_s: int = 300
    requeue_after_s: int = 300
    max_queued_s: int = 6 * 3600
    training_deadline_s: int = 3600
    generation_deadline_s: int = 600

    def provider_token(self) -> str:
        """The provider API token ('' when none is configured: calls then fail with 401)."""
        if self.provider_api_token:
            return self.provider_api_token.get_secret_value()
        if self.provider_api_token_secret_arn:
            return secret_value(self.provider_api_token_secret_arn, "api_token", "REPLICATE_API_TOKEN") or ""
        return ""

    def webhook_secret(self) -> str | None:
        """The provider's webhook signing secret, or None (provider callbacks are then refused)."""
        if self.provider_webhook_secret:
            return self.provider_webhook_secret.get_secret_value()
        if self.provider_webhook_secret_arn:
            return secret_value(self.provider_webhook_secret_arn, "key", "webhook_secret") or None
        return None

    def internal_token(self) -> str | None:
        """The internal API token, or None (the internal webhooks then refuse every call)."""
        if self.internal_api_token:
            return self.internal_api_token.get_secret_value()
        if self.internal_api_token_secret_arn:
            return secret_value(self.internal_api_token_secret_arn, "token", "INTERNAL_API_TOKEN") or None
        return None

    def webhook_url(self, path: str) -> str:
        """``<public_api_url>/api/<path>``."""
        return f"{self.public_api_url.rstrip('/')}/api/{path.lstrip('/')}"


@lru_cache(maxsize=1)
def get_gpu_settings() -> GpuSettings:
    """Process-wide settings (read once per execution environment; tests call ``cache_clear``)."""
    return GpuSettings()
