"""Platform pieces that need no services: claims, cursors, S3 event parsing, settings."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from backlot import auth, pagination, storage
from backlot.errors import BadRequest, Unauthorized


def test_groups_as_api_gateway_flattens_them() -> None:
    assert auth.parse_groups("[admin managers]") == {"admin", "managers"}
    assert auth.parse_groups(["admin"]) == {"admin"}
    assert auth.parse_groups(None) == frozenset()


def test_principal_from_claims() -> None:
    sub = str(uuid.uuid4())
    event = {"requestContext": {"authorizer": {"jwt": {"claims": {"sub": sub, "cognito:groups": "[admin]"}}}}}
    who = auth.principal_from_event(event)
    assert str(who.user_id) == sub and who.in_group("admin")
    assert auth.user_id_for_subject("alice") == auth.user_id_for_subject("alice") != auth.user_id_for_subject("bob")
    with pytest.raises(Unauthorized):
        auth.principal_from_event({"requestContext": {}})


def test_cursor_round_trip_and_garbage() -> None:
    at, row = datetime(2024, 1, 1, tzinfo=timezone.utc), uuid.uuid4()
    assert pagination.decode_cursor(pagination.encode_cursor(at, row)) == (at, row)
    assert pagination.decode_cursor(None) is None
    for bad in ("garbage!", "Zm9v", pagination.encode_cursor(at, row)[:-3]):
        with pytest.raises(BadRequest):
            pagination.decode_cursor(bad)


def test_page_splits_the_extra_row() -> None:
    rows = [{"id": uuid.uuid4(), "at": datetime(2024, 1, i + 1, tzinfo=timezone.utc)} for i in range(3)]
    items, cursor = pagination.page(rows, 2, "at")
    assert items == rows[:2] and pagination.decode_cursor(cursor) == (rows[1]["at"], rows[1]["id"])
    assert pagination.page(rows, 3, "at") == (rows, None)


@pytest.mark.parametrize("name", ["s3Event.json", "s3EventDecodedKey.json", "s3SqsEvent.json"])
def test_s3_events_as_aws_sends_them(shared_data: Path, name: str) -> None:
    event = json.loads((shared_data / "aws-events" / "powertools" / name).read_text())
    if "Records" in event and "body" in event["Records"][0]:
        event = json.loads(event["Records"][0]["body"])
    refs = storage.object_refs_from_s3_event(event)
    assert refs and all(r.bucket and r.key and "+" not in r.key for r in refs)


def test_s3_test_event_and_deletes_yield_nothing(shared_data: Path) -> None:
    test_event = json.loads((shared_data / "aws-events" / "hmrc-upscan-verify" / "s3_TestEvent.json").read_text())
    assert storage.object_refs_from_s3_event(test_event) == []
    delete = json.loads((shared_data / "aws-events" / "powertools" / "s3EventDeleteObject.json").read_text())
    assert storage.object_refs_from_s3_event(delete) == []


def test_url_encoded_keys_are_decoded() -> None:
    event = {"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"}, "object": {"key": "a+photo%C3%A9.jpg"}}}]}
    assert storage.object_refs_from_s3_event(event)[0].key == "a photoé.jpg"


def test_settings_fail_fast_without_a_database(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from backlot.settings import Settings

    for var in ("DATABASE_URL", "DB_HOST", "DB_SECRET_ARN"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ValidationError, match="DATABASE_URL"):
        Settings()


def test_position_cursors_round_trip_and_refuse_what_this_api_did_not_make() -> None:
    """Movies' list pages by position; its cursor lives in backlot.pagination with the others."""
    assert pagination.decode_position(pagination.encode_position(1234)) == 1234
    assert pagination.decode_position(None) is None
    naive = pagination._b64(f"2024-01-01T00:00:00|{uuid.uuid4()}")
    for bad in ("nonsense", pagination._b64("p-1"), pagination._b64("p" + "9" * 20), naive):
        with pytest.raises(BadRequest) as caught:
            pagination.decode_position(bad) if bad != naive else pagination.decode_cursor(bad)
        assert caught.value.code == "invalid_cursor"


def test_problems_are_rfc9457_with_the_product_code() -> None:
    """One error shape for family, music and movies: problem+json, code from the enumeration."""
    from fastapi.testclient import TestClient

    from family.api import app as family
    from movies.api import app as movies

    response = TestClient(movies).get("/api/session/not-a-uuid/status")
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "about:blank" and body["status"] == 422 and body["code"] == "validation_error"
    assert body["errors"][0]["field"] == "session_id"
    unauthenticated = TestClient(family).get("/api/v1/me/")  # family too (it answered {"error": ...} before)
    assert unauthenticated.status_code == 401 and unauthenticated.headers["content-type"] == "application/problem+json"
    assert unauthenticated.json()["code"] == "unauthorized" and "error" not in unauthenticated.json()
