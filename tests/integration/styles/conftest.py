"""The styles product on real PostgreSQL, called through its Lambda handlers with real API Gateway
event shapes (payload 2.0, the JWT authorizer's claims)."""

from __future__ import annotations

import os

import pytest

from tests.support.clients import ApiClient


@pytest.fixture(scope="session")
def styles_env(database_url: str) -> None:
    """The environment the styles template gives its functions (minus AWS-only names)."""
    os.environ.update({"API_BASE_PATH": "/styles", "POWERTOOLS_TRACE_DISABLED": "true",
                       "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_SERVICE_NAME": "styles"})


@pytest.fixture(scope="session")
def api(styles_env: None) -> ApiClient:
    """The whole styles app as one handler (every route)."""
    from styles.api import handler

    return ApiClient(handler, "/styles")
