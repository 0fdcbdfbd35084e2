"""The wellness HTTP API's identity, shared by every entry module and the whole-product app.

Errors keep Django REST Framework's shapes (document 001's API is DRF; issue 10 item 1), as
``application/json``:

- a request that does not match the schema, or a rule that names fields: **400**
  ``{"<field>": ["message", ...]}`` (DRF's ``ValidationError`` body; nested fields dotted,
  ``days.0.minutes``; errors of the body as a whole under ``non_field_errors``);
- every other error: ``{"detail": "...", "code": "..."}`` (DRF's ``{"detail"}``, plus the stable
  ``code`` of ``wellness.errors.Code``), e.g. 404 ``{"detail": "device not found", "code":
  "device_not_found"}``. A 500 says only the request id to quote.

API Gateway's own refusals (no or bad token) stay ``{"message": "Unauthorized"}``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backlot.http import ErrorFormat, ProductApi

from wellness.errors import Code

NON_FIELD_ERRORS = "non_field_errors"
"""DRF's key for errors that concern no single field (``api_settings.NON_FIELD_ERRORS_KEY``)."""


class WellnessProblem(BaseModel):
    """A wellness error body: ``{"detail", "code"}``, or DRF's field errors ``{"<field>": ["message"]}``
    (400) with neither."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": {"type": "array", "items": {"type": "string"}}})

    detail: str | None = Field(default=None, description="what went wrong, for a person (not with field errors)")
    code: Code | None = Field(default=None, description="stable machine-readable code (not with field errors)")  # type: ignore[valid-type]


def drf_body(status: int, code: str, detail: str, fields: list[dict[str, Any]], request_id: str | None) -> dict[str, Any]:
    """The error body in DRF's shape (see the module docstring).

    Args:
        status: the HTTP status; a 400 with ``fields`` becomes DRF's field errors.
        fields: ``[{"field": "a.b", "message": "..."}]`` (``backlot.http``'s validation fields, or a
            ``DomainError``'s ``fields``).
    """
    if status == 400 and fields:
        out: dict[str, list[str]] = {}
        for item in fields:
            name = str(item.get("field") or NON_FIELD_ERRORS)
            out.setdefault(NON_FIELD_ERRORS if name == "body" else name, []).append(str(item.get("message", "invalid")))
        return out
    return {"detail": detail, "code": code}


DRF_ERRORS = ErrorFormat(
    media_type="application/json", body=drf_body, validation_status=400,
    validation_description="The request does not match the schema: DRF's `{\"field\": [\"message\"]}`.",
)

API = ProductApi(
    title="backlot wellness API",
    base_path="/wellness",
    codes=Code,
    error_format=DRF_ERRORS,
    error_model=WellnessProblem,
    description=(
        "If Phones Were People (design document 001): accounts, devices and apps with personalities, "
        "usage, patterns, goals and analytics, in Django REST Framework's conventions. Authenticate with "
        "`Authorization: Bearer <token>` (the ID token from `POST /api/accounts/login/`; locally "
        "`backlot token NAME` too). Lists are `{\"next\", \"previous\", \"results\"}` with cursor links. "
        "Validation errors are 400 `{\"field\": [\"message\"]}`; other errors `{\"detail\", \"code\"}`."
    ),
)
