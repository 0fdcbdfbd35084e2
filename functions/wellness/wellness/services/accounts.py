"""Account use cases: registration, login and password change against the platform's Cognito
user pool (``backlot.identity``), the caller with its profile, its counts, and account deletion.

Cognito's refusals become DRF-shaped errors: what a field caused names the field (400
``{"password": ["..."]}``), a failed login is DRF's 400 ``{"non_field_errors": [...]}`` (as DRF's
``ObtainAuthToken`` answers), Cognito's rate limits a 429, anything else a 503.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from backlot import db
from backlot.auth import Principal
from backlot.errors import BadRequest, DomainError, TooManyRequests

from wellness.errors import Code
from wellness.repository import accounts as repo
from wellness.schemas.accounts import Login, PasswordChange, ProfileUpdate, Registration, TokenRefresh
from wellness.settings import get_settings

LOGIN_FAILED = "Unable to log in with provided credentials."
"""DRF's ``AuthTokenSerializer`` message for a wrong user name or password."""


class IdentityUnavailable(DomainError):
    """503: the identity service (Cognito) did not answer as expected."""

    status = 503
    code = Code.identity_unavailable


def _identity() -> tuple[str, str]:
    settings = get_settings()
    if not settings.cognito_user_pool_id or not settings.cognito_client_id:
        raise IdentityUnavailable("accounts are not configured here (no user pool)", code=Code.identity_unavailable)
    return settings.cognito_user_pool_id, settings.cognito_client_id


def _refusal(exc: Exception, *, password_field: str = "password") -> DomainError:
    """The client-facing error of an ``IdentityError``."""
    kind, message = getattr(exc, "kind", "unavailable"), getattr(exc, "message", str(exc))
    if kind == "user_exists":
        return BadRequest("a user with this email already exists", code=Code.user_exists,
                          fields=[{"field": "email", "message": "a user with this email already exists"}])
    if kind == "invalid_password":
        return BadRequest(message, code=Code.invalid_password, fields=[{"field": password_field, "message": message}])
    if kind == "invalid_parameter":
        return BadRequest(message, fields=[{"field": "non_field_errors", "message": message}])
    if kind in ("invalid_credentials", "user_not_confirmed"):
        return BadRequest(LOGIN_FAILED, code=Code.invalid_credentials, fields=[{"field": "non_field_errors", "message": LOGIN_FAILED}])
    if kind == "too_many_requests":
        return TooManyRequests("too many attempts; try again later", retry_after=5)
    return IdentityUnavailable("the identity service is unavailable; try again")


def register(body: Registration) -> tuple[dict[str, Any], bool]:
    """Create the Cognito user (confirmed at once) and its wellness profile: (account, created).

    A retry after a lost answer (the e-mail exists and the same password logs in) returns the
    account (``created`` False) instead of ``user_exists``; the profile is made once either way.

    Raises:
        BadRequest: ``user_exists`` (``email``), ``invalid_password`` (``password``: the pool's policy).
        TooManyRequests, IdentityUnavailable.
    """
    from backlot import identity

    pool_id, client_id = _identity()
    created = True
    try:
        sub = identity.sign_up(pool_id, client_id, body.email, body.password)
    except identity.IdentityError as exc:
        if exc.kind != "user_exists":
            raise _refusal(exc) from exc
        try:  # our own retry (or a concurrent twin)? the same password proves it
            tokens = _log_in_confirming(pool_id, client_id, body.email, body.password)
        except identity.IdentityError:
            raise _refusal(exc) from exc
        sub, created = _subject(tokens.id_token), False
    user_id = UUID(sub)
    with db.transaction() as conn:
        repo.ensure_user(conn, user_id, body.email)
        profile = repo.ensure_profile(conn, user_id, body.time_zone, body.display_name)
    return {"id": user_id, "email": body.email, "profile": profile}, created


def _log_in_confirming(pool_id: str, client_id: str, email: str, password: str) -> Any:
    """Log in; a user not confirmed yet (a concurrent registration between its sign-up and its
    confirmation) is confirmed first, as every registration is."""
    from backlot import identity

    try:
        return identity.log_in(client_id, email, password)
    except identity.IdentityError as exc:
        if exc.kind != "user_not_confirmed":
            raise
    identity.confirm(pool_id, email)
    return identity.log_in(client_id, email, password)


def _subject(id_token: str) -> str:
    """The ``sub`` of a token Cognito just gave us over TLS (read without verifying: it came from
    Cognito itself, not from a client)."""
    import base64
    import json

    payload = id_token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])


def log_in(body: Login) -> dict[str, Any]:
    """Cognito's tokens for the e-mail and password.

    Raises:
        BadRequest: ``invalid_credentials`` (``non_field_errors``: DRF's message).
        TooManyRequests, IdentityUnavailable.
    """
    from backlot import identity

    _, client_id = _identity()
    try:
        tokens = identity.log_in(client_id, body.email, body.password)
    except identity.IdentityError as exc:
        raise _refusal(exc) from exc
    return vars(tokens)


def refresh_tokens(body: TokenRefresh) -> dict[str, Any]:
    """New ID and access tokens from a refresh token.

    Raises:
        BadRequest: ``invalid_credentials`` (``refresh_token``: expired, revoked or not this client's).
        TooManyRequests, IdentityUnavailable.
    """
    from backlot import identity

    _, client_id = _identity()
    try:
        tokens = identity.refresh(client_id, body.refresh_token)
    except identity.IdentityError as exc:
        if exc.kind == "invalid_credentials":
            raise BadRequest("refresh_token is not valid", code=Code.invalid_credentials,
                             fields=[{"field": "refresh_token", "message": "Token is invalid or expired."}]) from exc
        raise _refusal(exc) from exc
    return vars(tokens)


def change_password(who: Principal, body: PasswordChange) -> None:
    """Change the caller's password (the old one proves it).

    Raises:
        BadRequest: ``old_password`` wrong (``invalid_credentials``), ``new_password`` breaks the
            policy (``invalid_password``), the token carries no e-mail.
        TooManyRequests, IdentityUnavailable.
    """
    from backlot import identity

    if not who.email:
        raise BadRequest("the token carries no email; log in with POST /api/accounts/login/",
                         fields=[{"field": "non_field_errors", "message": "the token carries no email"}])
    _, client_id = _identity()
    try:
        identity.change_password(client_id, who.email, body.old_password, body.new_password)
    except identity.IdentityError as exc:
        if exc.kind == "invalid_credentials":
            raise BadRequest("old_password is wrong", code=Code.invalid_credentials,
                             fields=[{"field": "old_password", "message": "Wrong password."}]) from exc
        raise _refusal(exc, password_field="new_password") from exc


def me(who: Principal) -> dict[str, Any]:
    """The caller with its profile (created with the default time zone on first use)."""
    return {"id": who.user_id, "email": who.email, "profile": profile(who)}


def profile(who: Principal) -> dict[str, Any]:
    """The caller's profile (created on first use)."""
    with db.transaction() as conn:
        return repo.ensure_profile(conn, who.user_id, get_settings().default_time_zone)


def update_profile(who: Principal, body: ProfileUpdate) -> dict[str, Any]:
    """Change the profile fields sent (``display_name`` may be cleared with null; the others may
    not be null).

    Raises:
        BadRequest: a field sent as null that may not be.
    """
    changes = body.model_dump(mode="json", exclude_unset=True)
    nulls = [k for k, v in changes.items() if v is None and k != "display_name"]
    if nulls:
        raise BadRequest("these fields may not be null", fields=[{"field": k, "message": "may not be null"} for k in nulls])
    with db.transaction() as conn:
        repo.ensure_profile(conn, who.user_id, get_settings().default_time_zone)
        return repo.update_profile(conn, who.user_id, changes)


def stats(who: Principal) -> dict[str, Any]:
    """Counts of the caller's devices, apps, favourites, relationships and usage days."""
    with db.transaction() as conn:
        repo.ensure_profile(conn, who.user_id, get_settings().default_time_zone)
        return repo.stats(conn, who.user_id)


def delete_account(who: Principal, *, delete_login: bool) -> dict[str, Any]:
    """Delete everything the wellness product holds about the caller (every row of schema
    ``wellness`` with its ``user_id``; device-keyed rows cascade). With ``delete_login`` the Cognito
    user is deleted too, after the rows (so a failure leaves a login without data, never data
    without its owner): that ends the caller's sign-in for every product. Safe to retry.
    Returns ``{"deleted": {table: rows}, "login_deleted": bool}`` (False: not asked, or no such
    Cognito user, e.g. a retry or a development token).

    Raises:
        TooManyRequests, IdentityUnavailable: deleting the Cognito user failed (the rows are gone).
    """
    with db.transaction() as conn:
        counts = repo.delete_user_data(conn, who.user_id)
    login_deleted = False
    if delete_login:
        from backlot import identity

        pool_id, _ = _identity()
        try:
            login_deleted = identity.delete_user(pool_id, who.email or str(who.user_id))
        except identity.IdentityError as exc:
            raise _refusal(exc) from exc
    return {"deleted": counts, "login_deleted": login_deleted}
