"""The configured GPU provider (``GpuSettings``): Replicate's API, or the local provider that
``backlot dev`` starts (same API, another ``PROVIDER_BASE_URL``)."""

from __future__ import annotations

import functools

from styles.gpu_settings import get_gpu_settings
from styles.provider.base import GpuProvider


@functools.lru_cache(maxsize=1)
def get_provider() -> GpuProvider:
    """The process-wide provider client (tests call ``cache_clear``)."""
    from styles.provider.replicate import ReplicateProvider

    settings = get_gpu_settings()
    return ReplicateProvider(api_token=settings.provider_token(), base_url=settings.provider_base_url,
                             trainer=settings.provider_trainer, destination=settings.provider_destination)
