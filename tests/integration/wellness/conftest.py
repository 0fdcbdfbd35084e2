"""The wellness product wired to real PostgreSQL and the AWS emulator (Cognito included), called
through its Lambda handlers with real API Gateway event shapes.

Fixtures other wellness branches reuse: ``wellness_env`` (environment + settings), ``api`` (the
whole-product handler as user ``alice`` by default: ``api.get(path, user="bob")``), ``device``
(a fresh device of alice, returned as the API answers it)."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest

from tests.support.clients import ApiClient


@pytest.fixture(scope="session")
def wellness_env(database_url: str, aws_endpoint: str) -> dict[str, str]:
    """Settings for the wellness functions: observability off, the base path."""
    os.environ.update({"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
                       "API_BASE_PATH": "/wellness"})
    from wellness.settings import get_settings

    get_settings.cache_clear()
    return {}


@pytest.fixture(scope="session")
def api(wellness_env: dict[str, str]) -> ApiClient:
    from wellness.api import handler

    return ApiClient(handler, "/wellness")


def unique_user() -> str:
    """A token subject no other test uses (tests share one database)."""
    return f"user-{uuid.uuid4().hex[:12]}"


@pytest.fixture()
def user() -> str:
    return unique_user()


@pytest.fixture()
def device(api: ApiClient, user: str) -> dict[str, Any]:
    """A device of ``user`` (Android, snarky)."""
    found = api.post("/api/devices/", {"name": "Pixel", "platform": "android", "personality_type": "snarky"}, user=user)
    assert found.status == 201, found.body
    return found.body
