"""``GET /styles/api/health`` (document 004, M1-Initialization) through its own entry module."""

from __future__ import annotations

import pytest

from tests.support.clients import ApiClient


def test_health_says_the_database_is_connected(styles_env: None) -> None:
    from styles.handlers.health import handler

    answer = ApiClient(handler, "/styles").get("/api/health", user=None)
    assert answer.status == 200 and answer.body == {"status": "ok", "database": "connected"}


def test_health_is_503_in_the_styles_error_shape_when_the_database_is_unreachable(
        styles_env: None, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from backlot import db
    from backlot.settings import get_settings

    from styles.handlers.health import handler

    def forget_connections() -> None:
        get_settings.cache_clear()
        db.reset()
        with db.invocation_scope():  # the execution environment's connection, which handlers use
            db.reset()

    monkeypatch.setenv("DATABASE_URL", "postgresql://backlot@127.0.0.1:1/nothing")  # port 1: nobody listens
    forget_connections()
    try:
        answer = ApiClient(handler, "/styles").get("/api/health", user=None)
    finally:
        monkeypatch.setenv("DATABASE_URL", database_url)
        forget_connections()
    assert answer.status == 503
    assert answer.body["success"] is False and answer.body["error"]["code"] == "database_unavailable"
    assert answer.body["error"]["message"] == "database: disconnected"


def test_unknown_path_is_404_in_the_styles_error_shape(api: ApiClient) -> None:
    answer = api.get("/api/nothing-here")
    assert answer.status == 404
    assert answer.body["success"] is False and answer.body["error"]["code"] == "not_found"
