"""The wellness product wired to real PostgreSQL and the AWS emulator (Cognito included), called
through its Lambda handlers with real API Gateway event shapes.

Fixtures other wellness branches reuse: ``wellness_env`` (environment + settings), ``api`` (the
whole-product handler as user ``alice`` by default: ``api.get(path, user="bob")``), ``device``
(a fresh device of alice, returned as the API answers it)."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.support.clients import ApiClient


@pytest.fixture(scope="session")
def wellness_env(database_url: str, aws_endpoint: str) -> dict[str, str]:
    """Settings for the wellness functions: observability off, the base path, and the root
    template's user pool and app client made in the emulator as ``backlot dev`` makes them
    (``backlot_local.cognito``): ``COGNITO_USER_POOL_ID`` / ``COGNITO_CLIENT_ID`` as the template
    gives them to the wellness functions."""
    from backlot_local.cognito import provision_user_pools
    from backlot_local.template import load_application

    app = load_application(REPO_ROOT, aws_endpoint=aws_endpoint)
    provision_user_pools(app, aws_endpoint, log=lambda _: None)
    register = next(f for f in app.functions if f.logical_id == "RegisterUserFunction")
    cognito = {k: register.environment[k] for k in ("COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID")}
    assert not any(v.startswith("local-") for v in cognito.values()), cognito
    os.environ.update({"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
                       "API_BASE_PATH": "/wellness", **cognito})
    from wellness.settings import get_settings

    get_settings.cache_clear()
    authorizer = next(a for api in app.apis for a in api.authorizers.values() if getattr(a, "jwks_uri", None))
    return {**cognito, "jwks_uri": authorizer.jwks_uri, "issuer": authorizer.issuer, "audience": authorizer.audience[0]}


@pytest.fixture(scope="session")
def api(wellness_env: dict[str, str]) -> ApiClient:
    from wellness.api import handler

    return ApiClient(handler, "/wellness")


def concurrently(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` at once, one thread each (started together at a barrier), like concurrent
    Lambda environments: each thread has its own event loop (Mangum needs one) and database
    connection (closed at the end). Returns each call's result, or the exception it raised."""
    results: list[Any] = [None] * len(calls)
    barrier = threading.Barrier(len(calls), timeout=10)

    def run(i: int) -> None:
        from backlot import db

        asyncio.set_event_loop(asyncio.new_event_loop())
        try:
            barrier.wait()
            results[i] = calls[i]()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            db.reset()
            asyncio.get_event_loop().close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


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


@pytest.fixture(autouse=True)
def _today_now(request: pytest.FixtureRequest) -> None:
    """A test module's ``TODAY`` is the date when each test starts, not when the module was
    imported: the SQL's "today" is read at run time, and a run crossing midnight would disagree."""
    if hasattr(request.module, "TODAY"):
        request.module.TODAY = date.today()
