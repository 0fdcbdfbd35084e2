"""Smoke test of ``backlot dev``: it starts, routes from the templates, enforces the JWT authorizer
and reaches the family function."""

from __future__ import annotations

import httpx
import pytest

from backlot.auth import user_id_for_subject

pytestmark = pytest.mark.e2e


def test_unknown_route_is_404(dev_server) -> None:
    response = httpx.get(f"{dev_server.url}/no/such/route")
    assert response.status_code == 404 and response.json() == {"message": "Not Found"}
    assert response.headers["apigw-requestid"]


def test_family_route_needs_a_token(dev_server) -> None:
    response = httpx.get(f"{dev_server.url}/family/api/v1/me/")
    assert response.status_code == 401 and response.json() == {"message": "Unauthorized"}
    forged = httpx.get(f"{dev_server.url}/family/api/v1/me/", headers={"Authorization": "Bearer e30.e30.e30"})
    assert forged.status_code == 401


def test_token_reaches_the_family_function(dev_server) -> None:
    token = dev_server.token("smoke-user", groups=["admin"])
    response = httpx.get(f"{dev_server.url}/family/api/v1/me/", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert response.status_code == 200, f"{response.status_code} {response.text}\n{dev_server.log()[-4000:]}"
    assert str(user_id_for_subject("smoke-user")) in response.text
    assert "[http] GET /family/api/v1/me/ -> FamilyStack/GetMeFunction 200" in dev_server.log()
