"""Accounts through the handlers: the caller and its profile."""

from __future__ import annotations

from tests.support.clients import ApiClient


def test_me_makes_the_profile_on_first_use(api: ApiClient, user: str) -> None:
    first = api.get("/api/accounts/users/me/", user=user)
    assert first.status == 200, first.body
    assert first.body["email"] == f"{user}@example.com"
    assert first.body["profile"]["time_zone"] == "UTC"
    again = api.get("/api/accounts/users/me", user=user)  # the same without the slash
    assert again.status == 200 and again.body == first.body


def test_unknown_path_is_a_drf_404(api: ApiClient, user: str) -> None:
    found = api.get("/api/accounts/users/nobody/", user=user)
    assert found.status == 404
    assert found.body == {"detail": "Not Found", "code": "not_found"}


def test_no_identity_is_401_detail(api: ApiClient) -> None:
    found = api.get("/api/accounts/users/me/", user=None)
    assert found.status == 401 and set(found.body) == {"detail", "code"} and found.body["code"] == "unauthorized"
