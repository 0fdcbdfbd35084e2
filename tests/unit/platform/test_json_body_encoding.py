"""A JSON body that is not UTF-8 is malformed JSON like any other (RFC 8259, section 8.1): the
validation error the OpenAPI documents promise (422 problem), not FastAPI's undocumented 400
"There was an error parsing the body" (found by schemathesis' negative data, issue 9)."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel


class Thing(BaseModel):
    name: str


def _client() -> TestClient:
    from backlot.http import create_app

    router = APIRouter()

    @router.post("/things", status_code=201)
    def create(body: Thing) -> dict[str, str]:
        return {"name": body.name}

    return TestClient(create_app(title="probe", routers=[router]))


@pytest.mark.parametrize("raw", [b"\xff\xfe\x00", b'{"name": "caf\xe9"}', b"\x80"], ids=["bom-like", "latin-1", "lone-continuation"])
def test_a_body_that_is_not_utf8_is_a_422_naming_the_body(raw: bytes) -> None:
    response = _client().post("/things", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_error" and problem["errors"] == [
        {"field": "body", "message": "not UTF-8; a JSON body must be UTF-8 (RFC 8259, section 8.1)"}]


def test_malformed_utf8_json_is_a_422_too_and_good_json_passes() -> None:
    client = _client()
    assert client.post("/things", content=b'{"name": ', headers={"content-type": "application/json"}).status_code == 422
    ok = client.post("/things", content='{"name": "café"}'.encode(), headers={"content-type": "application/json"})
    assert ok.status_code == 201 and ok.json() == {"name": "café"}


@pytest.mark.parametrize("raw", [b"x", b'{"name": ', b"[1,"])
def test_malformed_json_names_the_body_not_a_character_offset(raw: bytes) -> None:
    # whostile finding: FastAPI puts the parser's character offset in the loc ("body", 0), which
    # became a field "0" (wellness: {"0": ["JSON decode error"]} instead of DRF's non_field_errors)
    response = _client().post("/things", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["body"]
