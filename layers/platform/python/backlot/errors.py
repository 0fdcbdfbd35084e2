"""Domain errors and the one error shape: what logic raises, mapped to HTTP in one place (``backlot.http``).

Each error carries an HTTP status and a stable snake_case ``code`` that clients may rely on. Each
product lists its codes once, in ``<product>/errors.py``, as a :class:`~enum.StrEnum` that extends
:class:`PlatformCode` (the codes the platform itself answers with); its OpenAPI document gives the
enumeration as the ``code`` of its problem model, and a contract test holds every ``code=`` raised
in a product to its enumeration (``tests/contract/test_openapi.py``).

The body is RFC 9457 "Problem Details for HTTP APIs", ``application/problem+json``
(:class:`Problem`), for every product whose design document fixes no other shape.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"
"""RFC 9457, section 3: the media type of a problem details object."""


class PlatformCode(StrEnum):
    """Codes the platform answers with, whatever the product (every product's enumeration has them)."""

    bad_request = "bad_request"
    validation_error = "validation_error"
    invalid_cursor = "invalid_cursor"
    unauthorized = "unauthorized"
    forbidden = "forbidden"
    not_found = "not_found"
    method_not_allowed = "method_not_allowed"
    conflict = "conflict"
    payload_too_large = "payload_too_large"
    unsupported_media_type = "unsupported_media_type"
    too_many_requests = "too_many_requests"
    http_error = "http_error"
    internal_error = "internal_error"


def product_codes(name: str, *codes: str) -> type[StrEnum]:
    """A product's code enumeration: :class:`PlatformCode`'s members and ``codes``, in that order.

    (A StrEnum with members cannot be subclassed, so each product's enumeration is built here.)
    """
    members = dict.fromkeys([*PlatformCode, *codes])
    return StrEnum(name, {str(code): str(code) for code in members})  # type: ignore[return-value]


class FieldError(BaseModel):
    """One invalid field of a request: ``field`` is the dotted location (``start_at``, ``tags.0``,
    ``row 3``), ``message`` says what is wrong."""

    model_config = ConfigDict(extra="forbid")

    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details (``application/problem+json``) with backlot's extension members.

    ``type`` is ``about:blank`` (RFC 9457 section 4.2.1: the status says it all), ``title`` the
    status's phrase, ``status`` the HTTP status, ``detail`` a sentence for a person. Extensions
    (RFC 9457 section 3.2): ``code``, stable and machine-readable (the product's enumeration),
    ``errors`` for invalid fields, ``request_id`` to quote when reporting a problem.
    """

    type: str = Field(default="about:blank", description="RFC 9457 problem type; `about:blank`")
    title: str = Field(description="the HTTP status's phrase")
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="what went wrong, for a person")
    code: str = Field(description="stable machine-readable code (the product's enumeration)")
    errors: list[FieldError] | None = Field(default=None, description="invalid fields, for 400 and 422")
    request_id: str | None = Field(default=None, description="API Gateway's request id; quote it when reporting")


class DomainError(Exception):
    """Base of all expected errors.

    Args:
        detail: a sentence for a person.
        code: stable machine-readable code (a member of the product's enumeration); defaults to
            the class's ``code``.
        fields: optional list of ``{"field": ..., "message": ...}`` for invalid fields.
    """

    status: int = 400
    code: str = PlatformCode.bad_request

    def __init__(self, detail: str, *, code: str | None = None, fields: list[dict[str, Any]] | None = None):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = str(code)
        self.fields = fields or []


class BadRequest(DomainError):
    """400: the request is well formed (it matches the schema) but breaks a rule that needs the data
    to decide (``end_at`` before ``start_at``, an id of another household, a cursor not made here).
    A request that does not match the schema is a 422 (``backlot.http``)."""


class Unauthorized(DomainError):
    """401: no or invalid identity."""

    status = 401
    code = PlatformCode.unauthorized


class Forbidden(DomainError):
    """403: identity known, action not allowed."""

    status = 403
    code = PlatformCode.forbidden


class NotFound(DomainError):
    """404: no such resource *visible to the caller* (also used to hide other tenants' rows)."""

    status = 404
    code = PlatformCode.not_found


class Conflict(DomainError):
    """409: the request conflicts with the current state."""

    status = 409
    code = PlatformCode.conflict


class PayloadTooLarge(DomainError):
    """413: the body is over the limit."""

    status = 413
    code = PlatformCode.payload_too_large


class UnsupportedMediaType(DomainError):
    """415: the content is not of an accepted type."""

    status = 415
    code = PlatformCode.unsupported_media_type


class TooManyRequests(DomainError):
    """429: the caller is going too fast; ``retry_after`` whole seconds go out as ``Retry-After``
    (RFC 9110 section 10.2.3; RFC 6585 section 4). ``backlot.http`` copies ``headers`` onto the response."""

    status = 429
    code = PlatformCode.too_many_requests

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None):
        super().__init__(detail, code=code)
        self.retry_after = max(1, int(retry_after))
        self.headers = {"Retry-After": str(self.retry_after)}
