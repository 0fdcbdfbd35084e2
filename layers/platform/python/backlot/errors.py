"""Domain errors: what logic raises, mapped to HTTP responses in one place (``backlot.http``).

Each error carries an HTTP status and a stable snake_case ``code`` that clients may rely on.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of all expected errors.

    Args:
        detail: a sentence for a person.
        code: stable machine-readable code; defaults to the class's ``code``.
        fields: optional list of ``{"field": ..., "message": ...}`` for validation errors.
    """

    status: int = 400
    code: str = "bad_request"

    def __init__(self, detail: str, *, code: str | None = None, fields: list[dict[str, Any]] | None = None):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.fields = fields or []


class BadRequest(DomainError):
    """400: the request is malformed or breaks a rule."""


class Unauthorized(DomainError):
    """401: no or invalid identity."""

    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    """403: identity known, action not allowed."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """404: no such resource *visible to the caller* (also used to hide other tenants' rows)."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    """409: the request conflicts with the current state."""

    status = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    """413: the body is over the limit."""

    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    """415: the content is not of an accepted type."""

    status = 415
    code = "unsupported_media_type"


class TooManyRequests(DomainError):
    """429: the caller is going too fast; ``retry_after`` whole seconds go out as ``Retry-After``
    (RFC 9110 section 10.2.3; RFC 6585 section 4)."""

    status = 429
    code = "too_many_requests"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None):
        super().__init__(detail, code=code)
        self.retry_after = max(1, int(retry_after))
        self.headers = {"Retry-After": str(self.retry_after)}
