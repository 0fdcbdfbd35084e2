"""On-demand conversations are rate-limited per user (wellness.limits, beyond the AI budget):
through the product's handler on real PostgreSQL, the request past the hour's limit is a 429 with
Retry-After, writes no conversation, and a refused request (400) is not counted."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.support.clients import ApiClient

from .test_conversations import make_device


@pytest.fixture()
def two_per_hour(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from wellness.settings import get_settings

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("CONVERSATION_REQUESTS_PER_HOUR", "2")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_conversation_requests_past_the_limit_are_429(api: ApiClient, user: str, database_url: str, two_per_hour: None) -> None:
    dev = make_device(api, user)["id"]
    body = {"conversation_type": "daily_recap", "mood": "humorous", "device_ids": [dev], "app_ids": []}
    bad = api.post("/api/conversations/generate/", {**body, "device_ids": [str(uuid.uuid4())]}, user=user)
    assert bad.status == 400  # not counted
    assert [api.post("/api/conversations/generate/", body, user=user).status for _ in range(2)] == [202, 202]
    over = api.post("/api/conversations/generate/", body, user=user)
    assert over.status == 429 and over.body["code"] == "too_many_requests", over.body
    assert 3590 <= int(over.headers["retry-after"]) <= 3600 and "conversation requests" in over.body["detail"]
    me = api.get("/api/accounts/users/me/", user=user).body["id"]
    with psycopg.connect(database_url) as c:
        n = c.execute("SELECT count(*) FROM wellness.conversations WHERE user_id = %s", (uuid.UUID(me),)).fetchone()[0]
    assert n == 2
