"""The styles API's error codes: the ``error.code`` of every error body (one enumeration, ``Code``;
the platform's own codes included, ``backlot.errors.PlatformCode``). Design document 004,
M2-API-Foundation: errors are ``{"success": false, "error": {"code", "message"}}``; its
``"ERROR_CODE"`` is a placeholder, the codes here are the platform's snake_case. A new code is added
here before it is raised (``tests/contract/test_openapi.py`` checks).

Domain errors raised by the token service live here too, so every caller (routes, the generation
flow of the style models) maps them the same way.
"""

from __future__ import annotations

from backlot.errors import Conflict, DomainError, PlatformCode, product_codes

Code = product_codes(
    "StylesCode",
    "database_unavailable",
    # tokens (document 004, M2-Token-Service / M2-Token-API)
    "insufficient_tokens", "invalid_amount", "payment_failed", "idempotency_key_reused",
    # accounts (M1-Auth-Backend)
    "invalid_state", "oauth_failed", "oauth_unavailable",
    # style models, generation, webhooks (M2-Style-Model-API, M4)
    "not_an_artist", "not_owner", "model_not_found", "duplicate_name", "invalid_image_count", "invalid_image",
    "image_too_large", "too_large_for_direct_upload", "model_not_ready", "generation_not_found",
    "invalid_aspect_ratio", "not_cancellable", "invalid_internal_token", "invalid_signature",
    "webhook_job_mismatch", "provider_not_configured", "provider_unavailable",
    # tags, community feed, likes, comments, follows (M2-Tag-API, M5-Community-API; issue 13)
    "tag_not_found", "image_not_found", "comment_not_found", "not_comment_author", "artist_not_found",
    "cannot_follow_yourself",
)


class ServiceUnavailable(DomainError):
    """503: a dependency (the database) cannot be reached."""

    status = 503
    code = Code.database_unavailable


class InsufficientTokens(DomainError):
    """402 Payment Required, ``insufficient_tokens``: the balance does not cover the amount (document
    004, M2-Token-Service "raise exception on insufficient balance"; M2-API-Foundation formats
    ``InsufficientTokensError``). ``balance`` and ``required`` are integers, tokens."""

    status = 402
    code = Code.insufficient_tokens

    def __init__(self, *, balance: int, required: int):
        super().__init__(f"not enough tokens: balance {balance}, required {required}")
        self.balance = balance
        self.required = required


class IdempotencyKeyReused(Conflict):
    """422 ``idempotency_key_reused``: the ``Idempotency-Key`` was already used with another body
    (IETF draft-ietf-httpapi-idempotency-key-header, section 2.7: "422 Unprocessable Content")."""

    status = 422
    code = Code.idempotency_key_reused


class InvalidState(DomainError):
    """400 ``invalid_state``: the sign-in callback's ``state`` is missing, forged, expired, or not
    this browser's (RFC 6749 section 10.12, cross-site request forgery)."""

    code = Code.invalid_state


class OAuthFailed(DomainError):
    """400 ``oauth_failed``: the identity provider refused the sign-in (the user cancelled, or the
    token endpoint rejected the code: RFC 6749 section 5.2 ``invalid_grant`` ...)."""

    code = Code.oauth_failed


class OAuthUnavailable(DomainError):
    """502 ``oauth_unavailable``: the user pool's OAuth endpoint did not answer usefully; retry."""

    status = 502
    code = Code.oauth_unavailable


__all__ = ["InvalidState", "OAuthFailed", "OAuthUnavailable", "Code", "IdempotencyKeyReused", "InsufficientTokens", "PlatformCode", "ServiceUnavailable"]
