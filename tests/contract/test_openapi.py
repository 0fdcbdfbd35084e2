"""The OpenAPI documents: committed, generated from the apps, saying what the servers do.

- ``openapi/<product>.json`` equals what ``backlot openapi`` generates now (drift fails here:
  run ``make openapi`` and commit);
- every operation documents its success response with a schema (``response_model``), and every
  error response is the product's problem model as ``application/problem+json``;
- every ``code`` a product raises is a member of its enumeration (``<product>/errors.py``);
- ``backlot dev``'s documentation routes serve the document and Swagger UI.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from backlot_local import openapi

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=openapi.PRODUCTS)
def product(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def generated(product: str) -> dict:
    return openapi.document(product)


def test_committed_document_matches_the_app(product: str, generated: dict) -> None:
    committed = openapi.path_of(ROOT, product)
    assert committed.exists(), f"{committed} is missing: run make openapi"
    assert committed.read_text() == openapi.dumps(generated), f"{committed} differs from the {product} app: run make openapi and commit"


def test_document_is_openapi_31_at_the_base_path(product: str, generated: dict) -> None:
    assert generated["openapi"] == "3.1.0"
    assert generated["servers"] == [{"url": f"/{product}"}]


def _error_format(product: str) -> tuple[str, str]:
    """The product's error model's schema name and media type (``ProductApi.problem``, ``error_format``):
    RFC 9457 ``<Product>Problem`` as ``application/problem+json``, or the shape its design document
    fixes (styles: ``StylesProblem``, ``application/json``)."""
    import importlib

    api = importlib.import_module(f"{product}.http_api").API
    return api.problem.__name__, api.error_format.media_type


def test_every_operation_is_typed_and_errors_are_problems(product: str, generated: dict) -> None:
    name, media_type = _error_format(product)
    problem = f"#/components/schemas/{name}"
    untyped, wrong_errors = [], []
    for path, operations in generated["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                content = response.get("content", {})
                if status.startswith("2") and status != "204":
                    schema = content.get("application/json", {}).get("schema", {})
                    if "$ref" not in schema:
                        untyped.append(f"{method.upper()} {path} {status}: {schema}")
                if status[0] in "45":
                    problems = content.get(media_type, {}).get("schema", {})
                    refs = [problems.get("$ref")] + [s.get("$ref") for s in problems.get("anyOf", [])]  # + the gateway's own
                    if problem not in refs:
                        wrong_errors.append(f"{method.upper()} {path} {status}: {content}")
                    others = set(content) - {media_type, "application/json"}
                    gateway = media_type != "application/json" and "application/json" in content
                    if others or (gateway and status not in ("401", "403")):
                        wrong_errors.append(f"{method.upper()} {path} {status}: {sorted(content)}")
    assert not untyped, "success responses without a model:\n" + "\n".join(untyped)
    assert not wrong_errors, "error responses not the problem model:\n" + "\n".join(wrong_errors)
    assert "HTTPValidationError" not in generated["components"]["schemas"]


def test_problem_code_is_the_product_enumeration(product: str, generated: dict) -> None:
    import importlib

    codes = importlib.import_module(f"{product}.errors").Code
    schemas = generated["components"]["schemas"]
    problem = schemas[_error_format(product)[0]]
    if "code" not in problem["properties"]:  # the code nested in the body, as styles' {"error": {"code", ...}}
        nested = next(p for p in problem["properties"].values() if "$ref" in p)
        problem = schemas[nested["$ref"].rsplit("/", 1)[1]]
    code = problem["properties"]["code"]
    code = next((s for s in code.get("anyOf", []) if "$ref" in s), code)  # optional (wellness: DRF's field errors carry none)
    assert schemas[code["$ref"].rsplit("/", 1)[1]]["enum"] == [c.value for c in codes]


RAISED = re.compile(r"""code=(?:"([a-z_]+)"|Code\.([a-z_]+))|ExportRejected\(\s*"([a-z_]+)\"""")


def test_every_raised_code_is_in_the_enumeration(product: str) -> None:
    import importlib

    codes = {c.value for c in importlib.import_module(f"{product}.errors").Code}
    raised = set()
    for source in (ROOT / "functions" / product / product).rglob("*.py"):
        if "media" in source.parts or source.name == "jobs.py":  # processors' rejection reasons are not problems
            continue
        for match in RAISED.finditer(source.read_text()):
            raised.add(next(g for g in match.groups() if g))
    missing = sorted(raised - codes)
    assert not missing, f"codes raised by {product} but not in {product}/errors.py: {missing}"


def test_the_schema_holds_the_rules_the_server_enforces() -> None:
    family = openapi.document("family")["components"]["schemas"]
    create = family["ExperienceCreate"]["properties"]
    assert {"sunny", "rainy"} <= set(next(s for s in create["weather"]["anyOf"] if "enum" in s)["enum"])
    assert "start_at" in create and "Europe/Paris" in next(s for s in family["HouseholdCreate"]["properties"]["time_zone"]["anyOf"] if "enum" in s)["enum"]
    assert next(s for s in create["place"]["anyOf"] if s.get("type") == "string")["pattern"] == "^[^\\u0000]*$"
    music = openapi.document("music")["components"]["schemas"]
    embedding = next(s for s in music["SongCreate"]["properties"]["embedding"]["anyOf"] if s.get("type") == "array")
    assert all(kind["type"] == "number" for kind in embedding["items"]["anyOf"]) and embedding["minItems"] == embedding["maxItems"] == 5
    assert embedding["not"] == {"items": {"const": 0}}  # the zero vector has no direction
    instant = family["MerryMomentCreate"]["properties"]["occurred_at"]
    assert instant["format"] == "date-time" and instant["pattern"] == "^(19[0-9]{2}|2[0-9]{3})-"
    cursor = next(p for p in openapi.document("movies")["paths"]["/api/session/{session_id}/movies"]["get"]["parameters"] if p["name"] == "cursor")
    assert next(s for s in cursor["schema"]["anyOf"] if s.get("type") == "string")["pattern"] == "^[A-Za-z0-9_-]+$"


def test_media_responses_are_an_allow_list() -> None:
    """The deny-list ``media_view`` had let any new column out; the model names what leaves."""
    from family.schemas import MediaPublic

    fields = set(MediaPublic.model_fields)
    assert not {"original_key", "file_key", "preview_key", "thumbnail_key", "claimed_at"} & fields
    shown = MediaPublic.model_validate({name: None for name in fields} | {"id": "00000000-0000-4000-8000-000000000001",
                                       "household_id": "00000000-0000-4000-8000-000000000002", "status": "ready",
                                       "created_at": "2024-01-01T00:00:00Z", "original_key": "originals/x", "secret_column": 1})
    assert "original_key" not in shown.model_dump() and "secret_column" not in shown.model_dump()


def test_embeddings_must_be_numbers_not_booleans() -> None:
    """``POST /music/api/songs/`` took ``[true, false, ...]`` as an embedding (issue 9)."""
    from pydantic import ValidationError

    from music.schemas import SongCreate

    with pytest.raises(ValidationError):
        SongCreate.model_validate({"title": "t", "embedding": [True, False, True, True, True]})
    assert SongCreate.model_validate({"title": "t", "embedding": [1, 0, 0.5, 0, 0]}).embedding == [1.0, 0.0, 0.5, 0.0, 0.0]


def test_dev_serves_the_document_and_the_docs(product: str) -> None:
    docs = openapi.Docs()
    status, content_type, body = docs.answer("GET", f"/{product}/openapi.json")
    assert status == 200 and content_type == "application/json"
    assert json.loads(body) == json.loads(openapi.path_of(ROOT, product).read_text())
    status, content_type, body = docs.answer("GET", f"/{product}/docs")
    assert status == 200 and content_type.startswith("text/html")
    assert b"swagger-ui" in body and f"/{product}/openapi.json".encode() in body
    assert docs.answer("POST", f"/{product}/docs") is None
    assert docs.answer("GET", f"/{product}/api/openapi.json") is None
