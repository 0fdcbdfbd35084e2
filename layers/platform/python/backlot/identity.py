"""Accounts in the platform's Cognito user pool: sign up, log in, change a password, delete a user.

The pool and its app client are the root stack's (``UserPool``, ``UserPoolClient``: email is the
user name, the client has no secret and allows ``USER_PASSWORD_AUTH``); a product passes their ids
(its settings, from ``COGNITO_USER_POOL_ID`` / ``COGNITO_CLIENT_ID``). Locally they are the pool
``backlot dev`` makes in the AWS emulator (moto), which boto3 reaches through ``AWS_ENDPOINT_URL``.

Calls (Amazon Cognito API reference): ``SignUp`` then ``AdminConfirmSignUp`` (the account is usable
at once: there is no e-mail round trip), ``InitiateAuth`` with ``USER_PASSWORD_AUTH`` (the password
goes to Cognito over TLS; the answer holds the ID, access and refresh tokens), ``ChangePassword``
(needs the user's access token: it is obtained by logging in with the old password, which proves
it), ``InitiateAuth`` with ``REFRESH_TOKEN_AUTH`` (new tokens from a refresh token), ``AdminDeleteUser``. Cognito's refusals become :class:`IdentityError` with a ``kind`` the
product maps to its own error; anything else (throttling aside) is ``unavailable``.

boto3 is imported on first use: only the functions that call Cognito pay for it at cold start.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any


class IdentityError(Exception):
    """Cognito refused the call. ``kind``: ``user_exists``, ``invalid_password`` (the pool's
    password policy; ``message`` says which rule), ``invalid_parameter`` (e.g. not an e-mail),
    ``invalid_credentials`` (wrong e-mail or password, or no such user), ``user_not_confirmed``,
    ``too_many_requests`` (Cognito's rate limits), ``unavailable`` (anything else)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Tokens:
    """``InitiateAuth``'s ``AuthenticationResult``: ``id_token`` (what the API Gateway JWT authorizer
    takes: its ``aud`` is the app client, it carries ``email``), ``access_token``, ``refresh_token``,
    ``expires_in`` (seconds), ``token_type`` (``Bearer``)."""

    id_token: str
    access_token: str
    refresh_token: str | None
    expires_in: int
    token_type: str


@lru_cache(maxsize=1)
def _client() -> Any:
    import boto3
    from botocore.config import Config

    # standard retry mode retries throttling and transient errors with backoff; short timeouts
    # keep a call inside the function's 10 s
    return boto3.client("cognito-idp", config=Config(retries={"mode": "standard", "max_attempts": 3},
                                                     connect_timeout=2, read_timeout=5))


_KINDS = {
    "UsernameExistsException": "user_exists",
    "AliasExistsException": "user_exists",
    "InvalidPasswordException": "invalid_password",
    "InvalidParameterException": "invalid_parameter",
    "NotAuthorizedException": "invalid_credentials",
    "UserNotFoundException": "invalid_credentials",
    "UserNotConfirmedException": "user_not_confirmed",
    "TooManyRequestsException": "too_many_requests",
    "LimitExceededException": "too_many_requests",
    "TooManyFailedAttemptsException": "too_many_requests",
}


def _call(operation: str, **params: Any) -> dict[str, Any]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return getattr(_client(), operation)(**params)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        kind = _KINDS.get(error.get("Code", ""), "unavailable")
        raise IdentityError(kind, error.get("Message") or kind) from exc
    except BotoCoreError as exc:  # endpoint unreachable, timeouts after the retries
        raise IdentityError("unavailable", "the identity service did not answer") from exc


def sign_up(pool_id: str, client_id: str, email: str, password: str) -> str:
    """Create a user whose user name is ``email`` and confirm it. Returns its ``sub`` (a UUID: the
    platform user id of its tokens).

    Not idempotent by itself: a retry after a lost answer is ``user_exists``; the caller may then
    :func:`log_in` with the same password to tell its own retry from someone else's account.

    Raises:
        IdentityError: ``user_exists``, ``invalid_password``, ``invalid_parameter``,
            ``too_many_requests``, ``unavailable``.
    """
    found = _call("sign_up", ClientId=client_id, Username=email, Password=password,
                  UserAttributes=[{"Name": "email", "Value": email}])
    confirm(pool_id, email)
    return str(found["UserSub"])


def confirm(pool_id: str, username: str) -> None:
    """Confirm a signed-up user (``AdminConfirmSignUp``); confirming a confirmed user is harmless.

    Raises:
        IdentityError: ``invalid_credentials`` (no such user), ``too_many_requests``, ``unavailable``.
    """
    try:
        _call("admin_confirm_sign_up", UserPoolId=pool_id, Username=username)
    except IdentityError as exc:
        # Cognito: NotAuthorizedException "User cannot be confirmed. Current status is CONFIRMED"
        if not (exc.kind == "invalid_credentials" and "status is confirmed" in exc.message.lower()):
            raise


def log_in(client_id: str, email: str, password: str) -> Tokens:
    """Authenticate with ``USER_PASSWORD_AUTH``.

    Raises:
        IdentityError: ``invalid_credentials`` (wrong password or unknown user: Cognito does not
            say which), ``user_not_confirmed``, ``too_many_requests``, ``unavailable``; also
            ``unavailable`` when Cognito answers a challenge (e.g. ``NEW_PASSWORD_REQUIRED`` for an
            admin-created user) instead of tokens.
    """
    found = _call("initiate_auth", ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                  AuthParameters={"USERNAME": email, "PASSWORD": password})
    result = found.get("AuthenticationResult")
    if not result:
        raise IdentityError("unavailable", f"the identity service asked for {found.get('ChallengeName', 'a challenge')}")
    return Tokens(id_token=result["IdToken"], access_token=result["AccessToken"], refresh_token=result.get("RefreshToken"),
                  expires_in=int(result.get("ExpiresIn", 3600)), token_type=result.get("TokenType", "Bearer"))


def refresh(client_id: str, refresh_token: str) -> Tokens:
    """New ID and access tokens from a refresh token (``REFRESH_TOKEN_AUTH``; Cognito sends no new
    refresh token: ``refresh_token`` of the result is the one given).

    Raises:
        IdentityError: ``invalid_credentials`` (expired, revoked or not a refresh token of this
            client), ``too_many_requests``, ``unavailable``.
    """
    found = _call("initiate_auth", ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh_token})
    result = found.get("AuthenticationResult")
    if not result:
        raise IdentityError("unavailable", f"the identity service asked for {found.get('ChallengeName', 'a challenge')}")
    return Tokens(id_token=result["IdToken"], access_token=result["AccessToken"], refresh_token=result.get("RefreshToken") or refresh_token,
                  expires_in=int(result.get("ExpiresIn", 3600)), token_type=result.get("TokenType", "Bearer"))


def change_password(client_id: str, email: str, old_password: str, new_password: str) -> None:
    """Change the password: log in with the old one (which proves it), then ``ChangePassword``
    with that session's access token.

    Raises:
        IdentityError: ``invalid_credentials`` (the old password is wrong), ``invalid_password``
            (the new one breaks the policy), ``too_many_requests``, ``unavailable``.
    """
    tokens = log_in(client_id, email, old_password)
    _call("change_password", AccessToken=tokens.access_token, PreviousPassword=old_password, ProposedPassword=new_password)


def delete_user(pool_id: str, username: str) -> bool:
    """Delete the user (``AdminDeleteUser``; ``username`` is its e-mail or ``sub``). Returns False
    when there was no such user (a retried deletion).

    Raises:
        IdentityError: ``too_many_requests``, ``unavailable``.
    """
    try:
        _call("admin_delete_user", UserPoolId=pool_id, Username=username)
    except IdentityError as exc:
        if exc.kind == "invalid_credentials":  # UserNotFoundException
            return False
        raise
    return True
