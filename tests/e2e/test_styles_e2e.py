"""The styles product through ``backlot dev`` (issue 12, "Done when": sign-in with a development
token, welcome tokens once, notifications listed): health, the first signed-in request making the
user with 100 tokens, a purchase retried with its Idempotency-Key, the ledger, notifications, and
the Google sign-in redirect."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_health_is_open_and_says_connected(dev_server) -> None:
    response = httpx.get(f"{dev_server.url}/styles/api/health", timeout=60)
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "connected"}


def test_tokens_and_notifications_for_a_signed_in_user(dev_server) -> None:
    user = f"styles-{uuid.uuid4().hex[:8]}"
    api = httpx.Client(base_url=f"{dev_server.url}/styles/api",
                       headers={"Authorization": f"Bearer {dev_server.token(user)}"}, timeout=60)
    assert httpx.get(f"{dev_server.url}/styles/api/tokens/balance/", timeout=60).status_code == 401  # the authorizer
    assert api.get("/tokens/balance/").json() == {"success": True, "data": {"balance": 100}}
    me = api.get("/auth/me").json()["data"]
    assert me["token_balance"] == 100 and me["role"] == "user"
    key = str(uuid.uuid4())
    first = api.post("/tokens/purchase/", json={"amount": 500}, headers={"Idempotency-Key": key})
    retry = api.post("/tokens/purchase/", json={"amount": 500}, headers={"Idempotency-Key": key})
    assert first.status_code == retry.status_code == 200 and first.json() == retry.json()
    assert api.get("/tokens/balance").json()["data"]["balance"] == 600
    off_grid = api.post("/tokens/purchase/", json={"amount": 150})
    assert off_grid.status_code == 422 and off_grid.json()["error"]["code"] == "validation_error"
    ledger = api.get("/tokens/transactions/").json()["data"]
    assert [(t["type"], t["amount"], t["direction"]) for t in ledger["items"]] == [
        ("purchase", 500, "system"), ("welcome", 100, "system")]
    notes = api.get("/notifications", params={"unread_only": "true"}).json()["data"]
    assert notes == {"items": [], "next_cursor": None, "unread_count": 0}
    assert api.post("/notifications/mark-all-read").json() == {"success": True, "data": {"updated": 0}}
    missing = api.patch(f"/notifications/{uuid.uuid4()}/read")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_google_login_redirects_to_the_hosted_ui(dev_server) -> None:
    response = httpx.get(f"{dev_server.url}/styles/api/auth/google/login", timeout=60)
    assert response.status_code == 302
    params = parse_qs(urlsplit(response.headers["location"]).query)
    assert params["identity_provider"] == ["Google"] and params["code_challenge_method"] == ["S256"]
    assert "styles_oauth=" in response.headers["set-cookie"]
    forged = httpx.get(f"{dev_server.url}/styles/api/auth/google/callback", params={"code": "x", "state": "forged"},
                       timeout=60)
    assert forged.status_code == 400 and forged.json()["error"]["code"] == "invalid_state"
