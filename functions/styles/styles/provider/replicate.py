"""The hosted GPU provider's adapter: Replicate's HTTP API (replicate.com/docs/reference/http).

Why Replicate: one HTTP API gives both halves the document needs. A LoRA trainer runs as a
*training* (``POST /v1/models/{owner}/{name}/versions/{version}/trainings`` with a ZIP URL of the
artist's images; ostris/flux-dev-lora-trainer by default) whose output is a new model version, and
that version renders images as *predictions* (``POST /v1/predictions``) taking ``prompt``,
``aspect_ratio`` and ``seed``. Both take a ``webhook`` URL and ``webhook_events_filter`` (we ask
for ``["completed"]`` only), retry the webhook, sign it per Standard Webhooks
(``backlot.webhooks``), and can be read back (``GET /v1/trainings/{id}``, ``GET
/v1/predictions/{id}``) and cancelled (``POST .../{id}/cancel``), which the reconcile job needs
when a callback never comes. Billing is per GPU-second, so an idle marketplace costs nothing.

Calls (all ``Authorization: Bearer <API token>``, JSON):

* create training: body ``{"destination": "owner/name", "input": {"input_images": <zip url>,
  "trigger_word", "steps"}, "webhook", "webhook_events_filter": ["completed"]}``; answers 201 with
  the training ``{"id", "status": "starting", "urls": {...}, ...}``.
* create prediction: body ``{"version": <version id>, "input": {"prompt", "aspect_ratio",
  "seed", "num_outputs": 1, "output_format": "png"}, "webhook", "webhook_events_filter"}``.
* errors: ``{"detail": "..."}`` (and ``title``/``status`` in newer answers) with 4xx/5xx; 429
  with ``Retry-After``.

Retries: urllib3's ``Retry`` retries connection errors for every call, and 429/5xx with backoff
only for GETs: a create is not idempotent at Replicate (no idempotency key), so a POST that may
have reached it is not sent twice here; the dispatcher records the job id and the reconcile job
covers a lost answer. The token is never logged nor put in an error.
"""

from __future__ import annotations

import json
from typing import Any

import urllib3
from urllib3.util.retry import Retry

from styles.provider.base import (
    JobKind,
    ProviderJob,
    ProviderJobNotFound,
    ProviderRejected,
    ProviderUnavailable,
    job_from_json,
)

DEFAULT_BASE_URL = "https://api.replicate.com"
DEFAULT_TRAINER = "ostris/flux-dev-lora-trainer:26dce37af90b9d997eeb970d92e47de3064d46c300504ae376c75bef6a9022d2"
_PATHS = {"training": "trainings", "prediction": "predictions"}


class ReplicateProvider:
    """:class:`styles.provider.base.GpuProvider` over Replicate's HTTP API.

    Args:
        api_token: Replicate API token (Secrets Manager on AWS; the local provider accepts any).
        base_url: API origin (the local provider's in ``backlot dev`` and tests).
        trainer: ``owner/name:version`` of the LoRA trainer.
        destination: ``owner/name`` of the model the trainings push versions to.
        timeout_s: connect + read bound of one attempt.
        retries: retries of one call (see module doc for which).
    """

    def __init__(self, *, api_token: str, base_url: str = DEFAULT_BASE_URL, trainer: str = DEFAULT_TRAINER,
                 destination: str, timeout_s: float = 10.0, retries: int = 2):
        if ":" not in trainer or "/" not in trainer.split(":", 1)[0]:
            raise ValueError("trainer must be owner/name:version")
        self._token = api_token
        self._base = base_url.rstrip("/")
        self._trainer = trainer
        self._destination = destination
        retry = Retry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=0.5,
                      status_forcelist=(429, 500, 502, 503, 504), allowed_methods=frozenset({"GET"}),
                      respect_retry_after_header=True, raise_on_status=False)
        self._http = urllib3.PoolManager(retries=retry, timeout=urllib3.Timeout(total=timeout_s))

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        payload = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            payload = json.dumps(body).encode()
        try:
            resp = self._http.request(method, self._base + path, body=payload, headers=headers)
        except urllib3.exceptions.HTTPError as exc:
            raise ProviderUnavailable(f"provider unreachable: {type(exc).__name__}") from None
        try:
            data = json.loads(resp.data or b"{}")
        except ValueError:
            data = {}
        if resp.status == 404:
            raise ProviderJobNotFound(path)
        if resp.status == 429 or resp.status >= 500:
            raise ProviderUnavailable(f"provider answered {resp.status}")
        if resp.status >= 400:
            detail = data.get("detail") if isinstance(data, dict) else None
            raise ProviderRejected(str(detail or f"provider refused the job ({resp.status})"), resp.status)
        if not isinstance(data, dict):
            raise ProviderUnavailable("provider answered something that is not a JSON object")
        return data

    def start_training(self, *, images_zip_url: str, trigger_word: str, steps: int,
                       webhook_url: str) -> ProviderJob:
        """Create a training of the configured trainer (see :class:`GpuProvider`)."""
        name, version = self._trainer.split(":", 1)
        body = {
            "destination": self._destination,
            "input": {"input_images": images_zip_url, "trigger_word": trigger_word, "steps": steps},
            "webhook": webhook_url,
            "webhook_events_filter": ["completed"],
        }
        return self._job("training", self._call("POST", f"/v1/models/{name}/versions/{version}/trainings", body))

    def start_prediction(self, *, model_path: str, prompt: str, aspect_ratio: str, seed: int,
                         webhook_url: str) -> ProviderJob:
        """Create a prediction of the trained version ``model_path`` (``owner/name:version`` or a
        bare version id)."""
        version = model_path.split(":", 1)[1] if ":" in model_path else model_path
        body = {
            "version": version,
            "input": {"prompt": prompt, "aspect_ratio": aspect_ratio, "seed": seed, "num_outputs": 1,
                      "output_format": "png"},
            "webhook": webhook_url,
            "webhook_events_filter": ["completed"],
        }
        return self._job("prediction", self._call("POST", "/v1/predictions", body))

    def get(self, kind: JobKind, job_id: str) -> ProviderJob:
        """``GET /v1/{trainings|predictions}/{id}``."""
        return self._job(kind, self._call("GET", f"/v1/{_PATHS[kind]}/{job_id}"))

    def cancel(self, kind: JobKind, job_id: str) -> ProviderJob:
        """``POST /v1/{trainings|predictions}/{id}/cancel``."""
        return self._job(kind, self._call("POST", f"/v1/{_PATHS[kind]}/{job_id}/cancel"))

    @staticmethod
    def _job(kind: JobKind, data: dict[str, Any]) -> ProviderJob:
        try:
            return job_from_json(kind, data)
        except ValueError:
            raise ProviderUnavailable("provider answered a job without id or status") from None
