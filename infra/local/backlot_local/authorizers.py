"""Authorizer decisions, as API Gateway HTTP APIs make them.

JWT authorizer (API Gateway developer guide, "Control access to HTTP APIs with JWT authorizers"):
the identity source (``Authorization`` header, ``Bearer `` prefix optional) must hold a token that
verifies with the local key (:mod:`backlot_local.tokens`), or one of the user pool the emulator
made for the template (its JWKS, issuer and app client: :mod:`backlot_local.cognito`); otherwise 401 ``{"message":"Unauthorized"}``
with a ``www-authenticate`` header. When the route has authorization scopes, the token's ``scope``
(or ``scp``) must include one of them, otherwise 403 ``{"message":"Forbidden"}``. The claims reach
the function as strings in ``requestContext.authorizer.jwt.claims``.

Lambda REQUEST authorizer, payload format 2.0 (same guide, "Control access to HTTP APIs with AWS
Lambda authorizers"): a missing identity source is a 401 without calling the function; with simple
responses the function returns ``{"isAuthorized": bool, "context": {...}}``, otherwise an IAM policy
``{"principalId", "policyDocument", "context"}`` that must allow ``execute-api:Invoke`` on the route
ARN (an explicit Deny wins). A refusal is 403 ``{"message":"Forbidden"}``; a failing or malformed
authorizer is 500 ``{"message":"Internal Server Error"}``. The context reaches the function in
``requestContext.authorizer.lambda``. Results are never cached locally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from backlot_local.apigw import HttpRequest, HttpResponse, flatten_claims, identity_values, message_response
from backlot_local.template import JwtAuthorizerConfig
from backlot_local.tokens import InvalidToken, LocalKeys, verify_token, verify_with_jwks


@dataclass
class AuthDecision:
    """``allowed`` with the ``requestContext.authorizer`` value, or the error response to send."""

    allowed: bool
    authorizer: dict[str, Any] | None = None
    response: HttpResponse | None = None


UNAUTHORIZED = "Unauthorized"
FORBIDDEN = "Forbidden"
INTERNAL = "Internal Server Error"


def _challenge(error: str, description: str) -> list[tuple[str, str]]:
    return [("www-authenticate", f'Bearer scope="" error="{error}" error_description="{description}"')]


def _signed_locally(token: str, keys: LocalKeys) -> bool:
    import jwt

    try:
        return jwt.get_unverified_header(token).get("kid") == keys.kid
    except jwt.PyJWTError:
        return False


def authorize_jwt(config: JwtAuthorizerConfig, request: HttpRequest, keys: LocalKeys, route_scopes: list[str]) -> AuthDecision:
    """Decide a request on a route protected by a JWT authorizer."""
    values = identity_values(request, config.identity_source[:1] or ["$request.header.Authorization"], {})
    if values is None:
        return AuthDecision(False, response=message_response(401, UNAUTHORIZED))
    token = values[0].strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    try:
        claims = verify_token(keys, token)
    except InvalidToken as exc:
        refusal = exc
        claims = None
        if config.jwks_uri and not _signed_locally(token, keys):  # a token of the emulator's user pool
            try:
                claims = verify_with_jwks(token, jwks_uri=config.jwks_uri, issuer=config.issuer, audiences=config.audience)
            except InvalidToken as cognito_refusal:
                refusal = cognito_refusal
        if claims is None:
            return AuthDecision(False, response=message_response(401, UNAUTHORIZED, _challenge("invalid_token", str(refusal))))
    scopes = None
    if route_scopes:
        granted = claims.get("scope") if "scope" in claims else claims.get("scp")
        token_scopes = granted.split() if isinstance(granted, str) else [str(s) for s in granted or []]
        if not set(token_scopes) & set(route_scopes):
            challenge = _challenge("insufficient_scope", "the token does not have a required scope")
            return AuthDecision(False, response=message_response(403, FORBIDDEN, challenge))
        scopes = token_scopes
    return AuthDecision(True, authorizer={"jwt": {"claims": flatten_claims(claims), "scopes": scopes}})


def route_arn(api_id: str, method: str, api_path: str, *, region: str, account_id: str) -> str:
    """``arn:aws:execute-api:<region>:<account>:<api id>/$default/<METHOD><path>`` (the ``routeArn``)."""
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/$default/{method.upper()}{api_path}"


def _wildcard(pattern: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{regex}$", re.IGNORECASE if ignore_case else 0)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def policy_allows(policy_document: dict[str, Any], arn: str) -> bool:
    """Evaluate an IAM policy document for ``execute-api:Invoke`` on ``arn``.

    True when some ``Allow`` statement matches and no ``Deny`` statement does.

    Raises:
        ValueError: the document has no statements.
    """
    statements = _as_list(policy_document.get("Statement"))
    if not statements:
        raise ValueError("policyDocument has no Statement")
    allowed = False
    for statement in statements:
        actions = _as_list(statement.get("Action"))
        resources = _as_list(statement.get("Resource"))
        if not any(_wildcard(str(a), ignore_case=True).match("execute-api:Invoke") for a in actions):
            continue
        if not any(_wildcard(str(r)).match(arn) for r in resources):
            continue
        effect = str(statement.get("Effect", "")).lower()
        if effect == "deny":
            return False
        if effect == "allow":
            allowed = True
    return allowed


def lambda_authorizer_decision(result: Any, *, simple_responses: bool, arn: str) -> AuthDecision:
    """Turn a Lambda REQUEST authorizer's result into a decision (see the module docstring)."""
    if not isinstance(result, dict):
        return AuthDecision(False, response=message_response(500, INTERNAL))
    if simple_responses:
        if not isinstance(result.get("isAuthorized"), bool):
            return AuthDecision(False, response=message_response(500, INTERNAL))
        if not result["isAuthorized"]:
            return AuthDecision(False, response=message_response(403, FORBIDDEN))
        return AuthDecision(True, authorizer={"lambda": result.get("context")})
    document = result.get("policyDocument")
    if not isinstance(document, dict) or "principalId" not in result:
        return AuthDecision(False, response=message_response(500, INTERNAL))
    try:
        allowed = policy_allows(document, arn)
    except ValueError:
        return AuthDecision(False, response=message_response(500, INTERNAL))
    if not allowed:
        return AuthDecision(False, response=message_response(403, FORBIDDEN))
    return AuthDecision(True, authorizer={"lambda": result.get("context")})
