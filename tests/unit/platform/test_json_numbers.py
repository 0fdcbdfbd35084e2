"""Numbers in request bodies are JSON numbers (``backlot.models.JsonInt`` / ``JsonFloat``): pydantic's
lax mode would take ``true`` as 1 and ``"5"`` as 5, which the OpenAPI document (``integer`` /
``number``) refuses; schemathesis' negative data found ``"duration": false`` stored as 0."""

from __future__ import annotations

import pytest
from pydantic import Field, ValidationError

from backlot.models import JsonFloat, JsonInt, RequestModel


class Body(RequestModel):
    count: JsonInt = Field(ge=0)
    ratio: JsonFloat | None = None


@pytest.mark.parametrize("bad", [True, False, "5", "1e3", ""])
def test_booleans_and_strings_are_refused(bad: object) -> None:
    with pytest.raises(ValidationError) as refused:
        Body.model_validate({"count": bad})
    assert refused.value.errors()[0]["loc"] == ("count",)
    with pytest.raises(ValidationError):
        Body.model_validate({"count": 1, "ratio": bad})


def test_json_numbers_pass_with_their_constraints() -> None:
    assert Body.model_validate({"count": 3}).count == 3
    assert Body.model_validate({"count": 3.0, "ratio": 0.5}).count == 3  # JSON Schema: 3.0 is an integer
    assert Body.model_validate({"count": 1, "ratio": 2}).ratio == 2.0
    assert Body.model_validate({"count": 1, "ratio": None}).ratio is None
    with pytest.raises(ValidationError):
        Body.model_validate({"count": -1})
    with pytest.raises(ValidationError):
        Body.model_validate({"count": 2.5})


@pytest.mark.parametrize(("module", "model", "field", "valid"), [
    ("music.schemas", "SongCreate", "duration", {"title": "x"}),
    ("music.schemas", "SongCreate", "bpm", {"title": "x"}),
    ("music.schemas", "SongUploadRequest", "size_bytes", {"content_type": "audio/mpeg"}),
    ("family.schemas", "ReviewCreate", "rating", {"household_id": "6f1c2b9e-2f65-4c7e-9a62-3f1e0d2c1a00"}),
    ("family.schemas", "ExperienceCreate", "cost_estimate",
     {"household_id": "6f1c2b9e-2f65-4c7e-9a62-3f1e0d2c1a00", "activity_name": "Zoo"}),
    ("family.schemas", "MediaUploadRequest", "size_bytes",
     {"household_id": "6f1c2b9e-2f65-4c7e-9a62-3f1e0d2c1a00", "content_type": "image/jpeg"}),
    ("movies.schemas", "UploadRequest", "size_bytes", {}),
])
def test_the_products_number_fields_refuse_booleans(module: str, model: str, field: str, valid: dict) -> None:
    import importlib

    cls = getattr(importlib.import_module(module), model)
    with pytest.raises(ValidationError) as refused:
        cls.model_validate(valid | {field: True})
    assert any(e["loc"][:1] == (field,) for e in refused.value.errors()), refused.value.errors()
