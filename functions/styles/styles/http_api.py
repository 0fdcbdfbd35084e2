"""The styles HTTP API's identity, shared by every entry module and the whole-product app: its
error shape and its success envelope.

Design document 004, M2-API-Foundation: success ``{"success": true, "data": ...}``, errors
``{"success": false, "error": {"code": "...", "message": "..."}}``. Here a validation error also
lists the fields (``error.details: [{"field", "message"}]``) and every error carries API Gateway's
request id (``error.request_id``) when there is one. A request that does not match the schema is a
422 ``validation_error``, as in every backlot product.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from backlot.errors import FieldError
from backlot.http import ErrorFormat, ProductApi
from pydantic import BaseModel, ConfigDict, Field

from styles.errors import Code

T = TypeVar("T")


class StylesErrorBody(BaseModel):
    """``error`` of an error answer: ``code`` (stable, :class:`styles.errors.Code`), ``message`` (for
    a person), ``details`` (invalid fields, validation errors only), ``request_id`` (quote it)."""

    model_config = ConfigDict(title="StylesErrorBody")

    code: Code = Field(description="stable machine-readable code")  # type: ignore[valid-type]
    message: str
    details: list[FieldError] | None = None
    request_id: str | None = None


class StylesProblem(BaseModel):
    """Every error answer of the styles API (document 004, M2-API-Foundation)."""

    success: Literal[False] = False
    error: StylesErrorBody


def _body(status: int, code: str, detail: str, fields: list[dict[str, Any]], request_id: str | None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": detail}
    if fields:
        error["details"] = fields
    if request_id:
        error["request_id"] = request_id
    return {"success": False, "error": error}


ERROR_FORMAT = ErrorFormat(media_type="application/json", body=_body)


class Success(BaseModel, Generic[T]):
    """``{"success": true, "data": ...}``: every success answer of the styles API."""

    model_config = ConfigDict(defer_build=True)

    success: Literal[True] = True
    data: T


def ok(data: Any) -> dict[str, Any]:
    """The success envelope around ``data`` (a model or a dict; the route's ``response_model``,
    ``Success[XPublic]``, validates it and drops what the allow-list does not name)."""
    return {"success": True, "data": data}


API = ProductApi(
    title="backlot styles API",
    base_path="/styles",
    codes=Code,
    error_format=ERROR_FORMAT,
    error_model=StylesProblem,
    description=(
        "Style-model marketplace (design document 004): accounts, tokens, notifications, style models, "
        "generation. Sign in with a Cognito JWT (`Authorization: Bearer`; locally `backlot token NAME`). "
        "Answers are `{\"success\": true, \"data\": ...}`; errors `{\"success\": false, \"error\": "
        "{\"code\", \"message\"}}` with a stable `code`; a request that does not match this schema is a 422."
    ),
)
