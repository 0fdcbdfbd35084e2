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


# ---------------------------------------------------------------- Cognito (the emulator's user pool)
import base64  # noqa: E402
import json  # noqa: E402
import uuid  # noqa: E402

PASSWORD = "Correct-Horse-9"


def _email() -> str:
    return f"u{uuid.uuid4().hex[:10]}@example.com"


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _as(api: ApiClient, method: str, path: str, token: str, **kw):
    """Call as the holder of a Cognito ID token (its claims, as the authorizer passes them)."""
    from tests.support.apigw import LambdaContext, http_event

    claims = _claims(token)
    event = http_event(method, path, base_path="/wellness", claims={k: str(v) for k, v in claims.items()}, **kw)
    out = api.handler(event, LambdaContext())
    return out["statusCode"], json.loads(out["body"]) if out.get("body") else None


def test_register_log_in_and_the_token_is_the_pools(api: ApiClient, wellness_env: dict) -> None:
    from backlot_local.tokens import verify_with_jwks

    email = _email()
    made = api.post("/api/accounts/users/", {"email": email, "password": PASSWORD, "time_zone": "Europe/Paris"}, user=None)
    assert made.status == 201, made.body
    assert made.body["email"] == email and made.body["profile"]["time_zone"] == "Europe/Paris"
    again = api.post("/api/accounts/users/", {"email": email, "password": PASSWORD}, user=None)  # a retried registration
    assert again.status == 200 and again.body["id"] == made.body["id"]
    taken = api.post("/api/accounts/users/", {"email": email, "password": "Another-Pass-1"}, user=None)
    assert taken.status == 400 and taken.body == {"email": ["a user with this email already exists"]}

    tokens = api.post("/api/accounts/login/", {"email": email, "password": PASSWORD}, user=None)
    assert tokens.status == 200 and tokens.body["token_type"] == "Bearer"
    claims = verify_with_jwks(tokens.body["id_token"], jwks_uri=wellness_env["jwks_uri"], issuer=wellness_env["issuer"],
                              audiences=[wellness_env["audience"]])
    assert claims["sub"] == made.body["id"] and claims["email"] == email
    status, me = _as(api, "GET", "/api/accounts/users/me/", tokens.body["id_token"])
    assert status == 200 and me["id"] == made.body["id"] and me["profile"]["time_zone"] == "Europe/Paris"

    renewed = api.post("/api/accounts/token/refresh/", {"refresh_token": tokens.body["refresh_token"]}, user=None)
    assert renewed.status == 200 and _claims(renewed.body["id_token"])["sub"] == made.body["id"], renewed.body
    forged = api.post("/api/accounts/token/refresh/", {"refresh_token": "not-a-refresh-token"}, user=None)
    assert forged.status == 400 and forged.body == {"refresh_token": ["Token is invalid or expired."]}, forged.body

    wrong = api.post("/api/accounts/login/", {"email": email, "password": "Wrong-Pass-1"}, user=None)
    assert wrong.status == 400 and wrong.body == {"non_field_errors": ["Unable to log in with provided credentials."]}
    nobody = api.post("/api/accounts/login/", {"email": _email(), "password": PASSWORD}, user=None)
    assert nobody.status == 400 and nobody.body == wrong.body


def test_registration_refusals_name_the_field(api: ApiClient, wellness_env: dict) -> None:
    weak = api.post("/api/accounts/users/", {"email": _email(), "password": "abcdefgh"}, user=None)
    assert weak.status == 400 and list(weak.body) == ["password"], weak.body
    zone = api.post("/api/accounts/users/", {"email": _email(), "password": PASSWORD, "time_zone": "Mars/Olympus"}, user=None)
    assert zone.status == 400 and zone.body == {"time_zone": ["Value error, must be an IANA time zone name such as America/Los_Angeles"]}
    not_email = api.post("/api/accounts/users/", {"email": "nope", "password": PASSWORD}, user=None)
    assert not_email.status == 400 and list(not_email.body) == ["email"]


def test_change_password(api: ApiClient, wellness_env: dict) -> None:
    email = _email()
    api.post("/api/accounts/users/", {"email": email, "password": PASSWORD}, user=None)
    token = api.post("/api/accounts/login/", {"email": email, "password": PASSWORD}, user=None).body["id_token"]
    status, body = _as(api, "POST", "/api/accounts/users/change_password/", token,
                       json_body={"old_password": "Not-It-123", "new_password": "Brand-New-77"})
    assert status == 400 and body == {"old_password": ["Wrong password."]}
    status, body = _as(api, "POST", "/api/accounts/users/change_password/", token,
                       json_body={"old_password": PASSWORD, "new_password": "short"})
    assert status == 400 and list(body) == ["new_password"]
    status, _ = _as(api, "POST", "/api/accounts/users/change_password/", token,
                    json_body={"old_password": PASSWORD, "new_password": "Brand-New-77"})
    assert status == 204
    assert api.post("/api/accounts/login/", {"email": email, "password": PASSWORD}, user=None).status == 400
    assert api.post("/api/accounts/login/", {"email": email, "password": "Brand-New-77"}, user=None).status == 200


def test_profile_time_zone_is_validated(api: ApiClient, user: str) -> None:
    bad = api.patch("/api/accounts/profile/", {"time_zone": "Europe/Atlantis", "display_name": "A"}, user=user)
    assert bad.status == 400 and list(bad.body) == ["time_zone"]
    assert api.get("/api/accounts/profile/", user=user).body["display_name"] is None  # nothing of it applied
    good = api.patch("/api/accounts/profile/", {"time_zone": "America/Los_Angeles", "conversation_moods": ["humorous"]}, user=user)
    assert good.status == 200 and good.body["time_zone"] == "America/Los_Angeles" and good.body["conversation_moods"] == ["humorous"]
    assert api.patch("/api/accounts/profile/", {"time_zone": None}, user=user).body == {"time_zone": ["may not be null"]}
    assert api.patch("/api/accounts/profile/", {"conversation_frequency": "hourly"}, user=user).status == 400


def test_stats_count_what_the_user_has(api: ApiClient, device: dict, user: str) -> None:
    api.post("/api/apps/device-apps/", {"device_id": device["id"], "package_name": f"com.s.{uuid.uuid4().hex[:8]}",
                                        "is_favorite": True}, user=user)
    stats = api.get("/api/accounts/users/stats/", user=user)
    assert stats.status == 200, stats.body
    assert {k: stats.body[k] for k in ("devices", "active_devices", "apps", "favorite_apps", "days_with_usage")} == {
        "devices": 1, "active_devices": 1, "apps": 1, "favorite_apps": 1, "days_with_usage": 0}


def test_deleting_the_account_deletes_every_row_and_optionally_the_login(api: ApiClient, wellness_env: dict,
                                                                         database_url: str) -> None:
    import psycopg

    email = _email()
    user_id = api.post("/api/accounts/users/", {"email": email, "password": PASSWORD}, user=None).body["id"]
    token = api.post("/api/accounts/login/", {"email": email, "password": PASSWORD}, user=None).body["id_token"]
    status, a = _as(api, "POST", "/api/devices/", token, json_body={"name": "a", "platform": "ios"})
    status, b = _as(api, "POST", "/api/devices/", token, json_body={"name": "b", "platform": "ios"})
    _as(api, "POST", "/api/devices/relationships/", token, json_body={"device_a": a["id"], "device_b": b["id"], "relationship_type": "rivals"})
    _as(api, "POST", "/api/apps/device-apps/", token, json_body={"device_id": a["id"], "package_name": "com.deleted.app"})
    other = unique_user_with_device(api)

    status, body = _as(api, "DELETE", "/api/accounts/users/me/", token, query={"delete_login": "true"})
    counts = body["deleted"]
    assert status == 200 and counts["devices"] == 2 and counts["profiles"] == 1 and body["login_deleted"], body
    with psycopg.connect(database_url) as conn:
        for table in ("profiles", "devices", "device_apps", "device_relationships", "app_relationships"):
            left = conn.execute(f"SELECT count(*) FROM wellness.{table} WHERE user_id = %s", (user_id,)).fetchone()[0]
            assert left == 0, table
    assert api.post("/api/accounts/login/", {"email": email, "password": PASSWORD}, user=None).status == 400  # login gone
    assert len(api.get("/api/devices/", user=other).body["results"]) == 1  # another user's rows stay
    status, again = _as(api, "DELETE", "/api/accounts/users/me/", token, query={"delete_login": "true"})
    assert status == 200 and set(again["deleted"].values()) == {0} and again["login_deleted"] is False  # a retry


def unique_user_with_device(api: ApiClient) -> str:
    from tests.integration.wellness.conftest import unique_user

    who = unique_user()
    assert api.post("/api/devices/", {"name": "keep", "platform": "android"}, user=who).status == 201
    return who


def test_concurrent_registrations_of_one_email_make_one_account(api: ApiClient, wellness_env: dict, database_url: str) -> None:
    import psycopg

    from tests.integration.wellness.conftest import concurrently

    email = _email()
    answers = concurrently([lambda: api.post("/api/accounts/users/", {"email": email, "password": PASSWORD}, user=None)] * 4)
    assert sorted(a.status for a in answers) == [200, 200, 200, 201], [(a.status, a.body) for a in answers]
    assert len({a.body["id"] for a in answers}) == 1
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM wellness.profiles WHERE user_id = %s", (answers[0].body["id"],)).fetchone()[0] == 1
    # someone else racing for the same e-mail with another password is refused
    rival = api.post("/api/accounts/users/", {"email": email, "password": "Other-Pass-42"}, user=None)
    assert rival.status == 400 and rival.body == {"email": ["a user with this email already exists"]}
