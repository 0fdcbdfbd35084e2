"""The GPU provider interface: start a LoRA training, start a prediction, look a job up, cancel it.

A provider runs two kinds of job (Replicate's names, which the local provider shares):

* ``training``: fine-tunes a LoRA from a ZIP of training images; its output is the trained model's
  reference (``model_path``, e.g. ``owner/name:version``), what a prediction then runs;
* ``prediction``: renders one image from a prompt, an aspect ratio and a seed with a trained
  model; its output is the image's URL.

Statuses are the provider's (Replicate "Prediction/Training status": ``starting``,
``processing``, ``succeeded``, ``failed``, ``canceled``); :func:`is_terminal` says which are final.
When done, the provider POSTs the job (the same JSON as :meth:`GpuProvider.get`) to the webhook URL
given at creation, signed (``backlot.webhooks``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

JobKind = Literal["training", "prediction"]
JobStatus = Literal["starting", "processing", "succeeded", "failed", "canceled"]
TERMINAL: frozenset[str] = frozenset({"succeeded", "failed", "canceled"})


def is_terminal(status: str) -> bool:
    """True for ``succeeded``, ``failed`` and ``canceled`` (a job in them never changes again)."""
    return status in TERMINAL


class ProviderUnavailable(Exception):
    """The provider did not answer usefully (network, 429, 5xx): try again later (the message is
    redelivered by SQS, the reconcile job asks again)."""


class ProviderRejected(Exception):
    """The provider refused the job for good (4xx other than 429: bad input, unknown model):
    retrying cannot help; the job fails with ``reason``."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


class ProviderJobNotFound(Exception):
    """The provider knows no job of that id (404)."""


@dataclass(frozen=True)
class ProviderJob:
    """One job as the provider reports it.

    Attributes:
        id: the provider's job id.
        kind: ``training`` or ``prediction``.
        status: the provider's status (see module doc).
        output: ``training``: the model reference (``model_path``); ``prediction``: the image URL;
            None until succeeded.
        error: the provider's failure text (failed), else None.
        raw: the provider's JSON as received (kept for logs, never returned to clients).
    """

    id: str
    kind: JobKind
    status: str
    output: str | None = None
    error: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def terminal(self) -> bool:
        """Whether the job is finished (succeeded, failed or canceled)."""
        return is_terminal(self.status)


class GpuProvider(Protocol):
    """What the dispatchers and the reconcile job need from a GPU provider."""

    def start_training(self, *, images_zip_url: str, trigger_word: str, steps: int,
                       webhook_url: str) -> ProviderJob:
        """Start a LoRA training on the images of the ZIP at ``images_zip_url`` (a URL the provider
        can GET, e.g. a presigned S3 URL). The provider calls ``webhook_url`` when it finishes.

        Raises:
            ProviderUnavailable, ProviderRejected.
        """
        ...

    def start_prediction(self, *, model_path: str, prompt: str, aspect_ratio: str, seed: int,
                         webhook_url: str) -> ProviderJob:
        """Start rendering one image with the trained model ``model_path``.

        Raises:
            ProviderUnavailable, ProviderRejected.
        """
        ...

    def get(self, kind: JobKind, job_id: str) -> ProviderJob:
        """The job as the provider sees it now.

        Raises:
            ProviderUnavailable, ProviderJobNotFound.
        """
        ...

    def cancel(self, kind: JobKind, job_id: str) -> ProviderJob:
        """Ask the provider to stop the job (a finished job is returned unchanged).

        Raises:
            ProviderUnavailable, ProviderJobNotFound.
        """
        ...


def job_from_json(kind: JobKind, data: dict[str, Any]) -> ProviderJob:
    """A :class:`ProviderJob` from the provider's JSON (Replicate's prediction/training object:
    ``{"id", "status", "output", "error", ...}``; a training's ``output`` is
    ``{"version": "owner/name:hash", "weights": url}``, a prediction's a URL or a list of URLs).

    Raises:
        ValueError: ``id`` or ``status`` is missing.
    """
    job_id = data.get("id")
    status = data.get("status")
    if not isinstance(job_id, str) or not isinstance(status, str):
        raise ValueError("provider job without id or status")
    output = data.get("output")
    value: str | None = None
    if kind == "training":
        if isinstance(output, dict):
            value = output.get("version") or output.get("weights")
        elif isinstance(output, str):
            value = output
    else:
        if isinstance(output, list) and output:
            value = output[0] if isinstance(output[0], str) else None
        elif isinstance(output, str):
            value = output
    error = data.get("error")
    return ProviderJob(id=job_id, kind=kind, status=status, output=value if status == "succeeded" else None,
                       error=str(error) if error else None, raw=data)
