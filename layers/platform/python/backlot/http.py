"""HTTP app factory: FastAPI behind Mangum, Powertools observability, errors mapped in one place.

A product describes its HTTP API once, as a :class:`ProductApi` (title, base path, error format).
Each HTTP function's entry module is ``app = API.route_app(router, "<route name>")`` and
``handler = API.handler(app)``: an app holding that one route, so a cold start pays for one route
and the modules it imports (ARCHITECTURE.md, "Triggers"); the whole-product app
(``API.app(routers)``) serves tests, the local runtime and the OpenAPI document. Mangum turns the API Gateway HTTP API v2.0 event into an
ASGI request (``lifespan="off"``: Lambda has no shutdown hook to run it) and strips the
custom-domain base path (``/family``) when present.

Tracing: API functions use Lambda active tracing (``Tracing: Active``: Lambda records every
invocation without an SDK) and import no X-Ray SDK, which alone costs ~137 ms of cold start
(docs/decisions.md, 2026-12-05). Queue and schedule consumers trace with ``backlot.tracing``.

Error bodies: RFC 9457 ``application/problem+json`` (``backlot.errors.Problem``) with a stable
``code`` from the product's enumeration (``ProductApi.codes``); a product whose design document
fixes another shape (wellness, styles) passes an :class:`ErrorFormat` for it. A request that does
not match the schema is a 422 for every product (:data:`VALIDATION_STATUS`). Unexpected exceptions
become a 500 carrying only the request id; the stack goes to the log.

OpenAPI: :meth:`ProductApi.openapi` writes the document of the whole-product app as the server
really answers (problem+json errors, the authorizers' own refusals, the base path as ``servers``);
``backlot openapi`` commits it as ``openapi/<product>.json``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.logging import correlation_paths
from fastapi import APIRouter, Depends, FastAPI, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from mangum import Mangum
from pydantic import BaseModel, Field, create_model
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from backlot import db
from backlot.auth import Principal, ensure_user, principal_from_claims, principal_from_event
from backlot.errors import PROBLEM_MEDIA_TYPE, DomainError, PlatformCode, Problem, Unauthorized
from backlot.observability import logger, metrics

VALIDATION_STATUS = 422
"""Every product answers a request that does not match its schema (a missing or unknown field, a
wrong type, a value out of range) with 422 Unprocessable Content (RFC 9110 section 15.5.21), as
FastAPI documents it; a request that matches the schema but breaks a rule needing the data is a
400 (``backlot.errors.BadRequest``)."""


@dataclass(frozen=True)
class ErrorFormat:
    """How a product writes error bodies (for a design document that fixes its own shape).

    Attributes:
        media_type: the response's Content-Type.
        body: ``(status, code, detail, fields, request_id) -> dict``.
        validation_status: status for request validation failures.
        validation_description: how the OpenAPI document describes that response.
    """

    media_type: str
    body: Callable[[int, str, str, list[dict[str, Any]], str | None], dict[str, Any]]
    validation_status: int = VALIDATION_STATUS
    validation_description: str = "The request does not match the schema (`validation_error`; `errors` lists the fields)."


def _problem(status: int, code: str, detail: str, fields: list[dict[str, Any]], request_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if fields:
        body["errors"] = fields
    if request_id:
        body["request_id"] = request_id
    return body


PROBLEM_JSON = ErrorFormat(media_type=PROBLEM_MEDIA_TYPE, body=_problem)
"""RFC 9457 problem details, the default error shape (``backlot.errors.Problem``)."""


class GatewayMessage(BaseModel):
    """API Gateway's own answer when its authorizer refuses a request (``{"message": "Unauthorized"}``),
    before any function runs."""

    message: str


#: The JWT the HTTP API's JWT authorizer verifies (Cognito; ``backlot token NAME`` locally). The
#: authorizer checks it; this only declares it in the OpenAPI document (it never refuses).
bearer_jwt = HTTPBearer(auto_error=False, scheme_name="jwt", bearerFormat="JWT",
                        description="A Cognito ID token (locally: `backlot token NAME`).")


#: The same JWT on a route open at the gateway (``Auth: NONE``) whose function verifies it
#: (:func:`optional_principal`, :func:`verified_principal`). Only a marker: :meth:`ProductApi.openapi`
#: documents both as the ``jwt`` scheme, optional (``security: [{"jwt": []}, {}]``) or required,
#: with the 401 the product answers in its own error shape.
bearer_jwt_optional = HTTPBearer(auto_error=False, scheme_name="jwtOptional", bearerFormat="JWT",
                                 description="A Cognito ID token, optional: verified by the function.")
bearer_jwt_in_function = HTTPBearer(auto_error=False, scheme_name="jwtInFunction", bearerFormat="JWT",
                                    description="A Cognito ID token, required: verified by the function.")
IN_FUNCTION_SCHEMES = {"jwtOptional": True, "jwtInFunction": False}
"""The in-function bearer schemes: name -> whether the token is optional."""


def _request_id(request: Request) -> str | None:
    event = request.scope.get("aws.event") or {}
    return (event.get("requestContext") or {}).get("requestId")


def _validation_fields(exc: RequestValidationError) -> list[dict[str, Any]]:
    fields = []
    for err in exc.errors():
        # a malformed JSON body is FastAPI's `json_invalid` at loc ("body", <character offset>): the
        # offset is no field, the body is
        loc = [] if err.get("type") == "json_invalid" else [
            str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        fields.append({"field": ".".join(loc) or "body", "message": str(err.get("msg", "invalid"))})
    return fields


def create_app(*, title: str, routers: Sequence[APIRouter], error_format: ErrorFormat = PROBLEM_JSON,
               openapi: Callable[[FastAPI], dict[str, Any]] | None = None) -> FastAPI:
    """Build the FastAPI app of one product (or one function) with the shared error mapping.

    Args:
        title: shown in the OpenAPI document.
        routers: the product's routers, paths as in its design document (without the base path).
        error_format: the product's error body shape.
        openapi: builds the app's OpenAPI document (``ProductApi.openapi``); FastAPI's otherwise.
    """
    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    for router in routers:
        app.include_router(router)
    serve_without_trailing_slash(app, routers)
    if openapi is not None:
        def _openapi() -> dict[str, Any]:
            if app.openapi_schema is None:
                app.openapi_schema = openapi(app)
            return app.openapi_schema

        app.openapi = _openapi  # type: ignore[method-assign]

    def respond(request: Request, status: int, code: str, detail: str, fields: list[dict[str, Any]]) -> JSONResponse:
        return JSONResponse(
            error_format.body(status, str(code), detail, fields, _request_id(request)),
            status_code=status,
            media_type=error_format.media_type,
        )

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        response = respond(request, exc.status, exc.code, exc.detail, exc.fields)
        response.headers.update(getattr(exc, "headers", None) or {})  # e.g. Retry-After of a 429
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = _validation_fields(exc)
        summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        return respond(request, error_format.validation_status, PlatformCode.validation_error, f"invalid request: {summary}", fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
            # A JSON body whose bytes are not UTF-8: FastAPI answers 400 "There was an error parsing
            # the body" (json.loads raises UnicodeDecodeError, not JSONDecodeError), but 422
            # `json_invalid` for every other malformed JSON body. Both are malformed JSON (RFC 8259,
            # section 8.1: JSON exchanged between systems is UTF-8), so both get the validation
            # error the OpenAPI document promises (schemathesis' negative data found it).
            fields = [{"field": "body", "message": "not UTF-8; a JSON body must be UTF-8 (RFC 8259, section 8.1)"}]
            return respond(request, error_format.validation_status, PlatformCode.validation_error,
                           "invalid request: body: not UTF-8", fields)
        code = {404: PlatformCode.not_found, 405: PlatformCode.method_not_allowed}.get(exc.status_code, PlatformCode.http_error)
        return respond(request, exc.status_code, code, str(exc.detail), [])

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error", extra={"path": request.url.path})
        request_id = _request_id(request)
        return respond(request, 500, PlatformCode.internal_error, f"internal error; quote request id {request_id}", [])

    return app


class _SlashAliases:
    """ASGI middleware: a request for ``/x`` where only ``/x/`` is a route is routed as ``/x/``."""

    def __init__(self, app: Any, patterns: Sequence[re.Pattern[str]]) -> None:
        self.app = app
        self.patterns = patterns

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and not path.endswith("/") and any(p.match(path) for p in self.patterns):
            raw = scope.get("raw_path") or path.encode()
            scope = {**scope, "path": path + "/", "raw_path": raw + b"/"}
        await self.app(scope, receive, send)


def serve_without_trailing_slash(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Serve every route documented as ``/x/`` at ``/x`` too, and never redirect between the two.

    The templates route ``/x`` and ``/x/{proxy+}`` to the same function (HTTP APIs create no route
    ending in ``/``; README "Routes"), so the function sees both paths. Starlette's slash redirect
    is turned off: its ``Location`` would lack the custom-domain base path (``/family``) that
    Mangum strips. The OpenAPI document keeps the design documents' paths.
    """
    app.router.redirect_slashes = False
    paths = {route.path for router in routers for route in router.routes if isinstance(route, APIRoute)}
    patterns = [compile_path(p.rstrip("/"))[0] for p in sorted(paths) if len(p) > 1 and p.endswith("/") and p.rstrip("/") not in paths]
    if patterns:
        app.add_middleware(_SlashAliases, patterns=patterns)


def lambda_handler(app: FastAPI, *, base_path: str = "") -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Wrap ``app`` as a Lambda handler for API Gateway HTTP API v2.0 events.

    Args:
        base_path: the custom-domain API mapping key (e.g. ``/family``), stripped from the path.
    """
    from mangum.adapter import DEFAULT_TEXT_MIME_TYPES

    # problem+json is text: sent as it is, not base64-encoded (Mangum encodes types it does not know)
    asgi = Mangum(app, lifespan="off", api_gateway_base_path=base_path or "/",
                  text_mime_types=[*DEFAULT_TEXT_MIME_TYPES, PROBLEM_MEDIA_TYPE])

    @metrics.log_metrics
    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        # Sync routes run in worker threads that end with the invocation: the scope keeps the
        # execution environment's one database connection across them (backlot.db).
        with db.invocation_scope():
            return asgi(event, context)

    return handler


def one_route(router: APIRouter, name: str) -> APIRouter:
    """A router holding only the route of ``router`` named ``name`` (its endpoint function's name).

    The route keeps its full path (prefix included), dependencies and responses.

    Raises:
        LookupError: ``router`` has no route of that name (the message lists the names it has).
    """
    found = [route for route in router.routes if getattr(route, "name", None) == name]
    if len(found) != 1:
        names = sorted(getattr(route, "name", "?") for route in router.routes)
        raise LookupError(f"{len(found)} routes named {name!r} in the router; it has {names}")
    return APIRouter(routes=found)


def _gateway_statuses() -> dict[str, tuple[int, ...]]:
    return {"jwt": (401,)}


@dataclass(frozen=True)
class ProductApi:
    """One product's HTTP API: what every app of it shares (one home per product).

    Attributes:
        title: the OpenAPI title.
        base_path: the custom-domain API mapping key (``/family``); ``API_BASE_PATH`` overrides it.
        codes: the product's error code enumeration (``<product>/errors.py``): the ``code`` of
            its problem model (:attr:`problem`) in the OpenAPI document.
        description: the OpenAPI description (how to authenticate, what errors look like).
        error_format: the product's error body shape (default RFC 9457 problem+json).
        gateway_statuses: per security scheme, the statuses API Gateway's authorizer answers by
            itself (``{"message": ...}``, ``application/json``), documented on every route using it.
        error_model: the model of :attr:`error_format`'s bodies, for a product whose design document
            fixes its own error shape (styles); its ``code`` must be :attr:`codes`. None: the RFC 9457
            problem model built from :attr:`codes`.
    """

    title: str
    base_path: str
    codes: type[StrEnum] = PlatformCode
    description: str = ""
    error_format: ErrorFormat = PROBLEM_JSON
    gateway_statuses: dict[str, tuple[int, ...]] = field(default_factory=_gateway_statuses)
    error_model: type[BaseModel] | None = None

    @property
    def problem(self) -> type[BaseModel]:
        """The product's error model: :attr:`error_model` when given, else :class:`backlot.errors.Problem`
        with ``code`` its enumeration."""
        if self.error_model is not None:
            return self.error_model
        found = _PROBLEMS.get(self.codes)
        if found is None:
            name = self.base_path.strip("/").capitalize() + "Problem"
            found = create_model(name, __base__=Problem, __doc__=Problem.__doc__,
                                 code=(self.codes, Field(description="stable machine-readable code")))
            _PROBLEMS[self.codes] = found
        return found

    def errors(self, *statuses: int) -> dict[int | str, dict[str, Any]]:
        """``responses=`` of a route: each status documented with the product's problem model
        (``application/problem+json``; :meth:`openapi` sets the media type). 422 needs no mention:
        FastAPI documents it on every route that takes parameters or a body."""
        return {status: {"model": self.problem, "description": HTTPStatus(status).phrase} for status in statuses}

    def app(self, routers: Sequence[APIRouter]) -> FastAPI:
        """The app serving ``routers`` with the product's error format and OpenAPI document."""
        return create_app(title=self.title, routers=routers, error_format=self.error_format, openapi=self.openapi)

    def handler(self, app: FastAPI) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        """``app`` as a Lambda handler for the product's HTTP API events."""
        return lambda_handler(app, base_path=os.environ.get("API_BASE_PATH", self.base_path))

    def route_app(self, router: APIRouter, name: str) -> FastAPI:
        """The app of one HTTP function: only route ``name`` of ``router``, the product's errors.

        A request for any other method or path answers the product's 404/405 error.

        Raises:
            LookupError: no route ``name`` (see :func:`one_route`), at import: a wrong entry module
                fails the function's first cold start and the contract tests, never a request.
        """
        return self.app([one_route(router, name)])

    def openapi(self, app: FastAPI) -> dict[str, Any]:
        """The OpenAPI 3.1 document of ``app``, saying what the server really does.

        FastAPI's document, then: every 4xx/5xx response is the product's problem model as
        ``application/problem+json`` (FastAPI would say ``application/json``), the request
        validation error included (FastAPI's ``HTTPValidationError`` is not what is sent); every
        route behind an authorizer also documents the authorizer's own refusals
        (:class:`GatewayMessage`, ``application/json``, beside the problem the app answers when
        it refuses, e.g. a player revoked after the authorizer let it in); ``servers`` is the
        base path.
        """
        doc = get_openapi(title=self.title, version=app.version, openapi_version="3.1.0", description=self.description,
                          routes=app.routes, servers=[{"url": self.base_path}])
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        for model in (self.problem, GatewayMessage):
            found = model.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
            schemas.update(found.pop("$defs", {}))
            schemas[model.__name__] = found
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        problem = {self.error_format.media_type: {"schema": {"$ref": f"#/components/schemas/{self.problem.__name__}"}}}
        gateway = {"application/json": {"schema": {"$ref": "#/components/schemas/GatewayMessage"}}}
        for operations in doc.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                validation = str(self.error_format.validation_status)
                if validation != "422" and (responses.get("422") or {}).get("description") == "Validation Error":
                    # FastAPI documents its 422; this product answers schema mismatches with another status
                    responses.setdefault(validation, responses["422"])
                    responses[validation]["description"] = self.error_format.validation_description
                    del responses["422"]
                for status, response in responses.items():
                    if status[0] in "45":
                        response["content"] = dict(problem)
                        if status == validation and response.get("description") == "Validation Error":
                            response["description"] = self.error_format.validation_description
                requirements = operation.get("security", [])
                if any(scheme in IN_FUNCTION_SCHEMES for r in requirements for scheme in r):
                    # verified by the function: the gateway lets every request through, the function
                    # answers 401 in the product's shape; an optional token also allows none
                    optional = any(IN_FUNCTION_SCHEMES.get(scheme) for r in requirements for scheme in r)
                    operation["security"] = [{"jwt": []}, {}] if optional else [{"jwt": []}]
                    unauthorized = responses.setdefault("401", {"description": HTTPStatus(401).phrase})
                    unauthorized["content"] = dict(problem)
                    requirements = []
                for requirement in requirements:
                    for scheme in requirement:
                        for status in self.gateway_statuses.get(scheme, ()):
                            response = responses.setdefault(str(status), {"description": HTTPStatus(status).phrase})
                            response["content"] = {**response.get("content", problem), **gateway}
                            if self.error_format.media_type in gateway:  # both JSON: either body may come
                                refs = [problem[self.error_format.media_type]["schema"], gateway["application/json"]["schema"]]
                                response["content"]["application/json"] = {"schema": {"anyOf": refs}}
                operation["responses"] = dict(sorted(responses.items()))
        security_schemes = doc["components"].get("securitySchemes", {})
        for scheme in IN_FUNCTION_SCHEMES:
            if scheme in security_schemes:
                security_schemes.setdefault("jwt", bearer_jwt.model.model_dump(by_alias=True, exclude_none=True))
                del security_schemes[scheme]
        return doc


_PROBLEMS: dict[type[StrEnum], type[Problem]] = {}


def principal(
    request: Request,
    _token: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_jwt)] = None,
) -> Principal:
    """FastAPI dependency: the caller, from the JWT authorizer's claims; records first sight.

    ``_token`` only declares the bearer JWT in the OpenAPI document: the authorizer has verified it.

    Raises:
        Unauthorized: the event carries no verified subject.
    """
    found = principal_from_event(request.scope.get("aws.event") or {})
    ensure_user(found)
    return found


CurrentPrincipal = Depends(principal)


def _in_function_principal(request: Request) -> Principal | None:
    """The caller of a route open at the gateway: the authorizer's claims if a gateway authorizer
    verified them (only API Gateway writes ``requestContext``), else the ``Authorization`` bearer
    token verified here (:func:`backlot.bearer.verify`), else None (no or a blank header).

    Raises:
        Unauthorized: a token was sent and fails verification (expired, forged, another issuer or
            audience, not a JWT): never treated as anonymous, so a client learns its token is bad.
    """
    event = request.scope.get("aws.event") or {}
    claims = (((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt") or {}).get("claims")
    if claims:
        return principal_from_claims(claims)
    from backlot import bearer  # PyJWT is imported only by the functions that verify tokens

    token = bearer.bearer_token(request.headers.get("authorization"))
    if token is None:
        return None
    try:
        verified = bearer.verify(token)
    except bearer.InvalidToken as exc:
        raise Unauthorized(f"invalid bearer token: {exc}") from exc
    return principal_from_claims(verified)


def optional_principal(
    request: Request,
    _token: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_jwt_optional)] = None,
) -> Principal | None:
    """FastAPI dependency of a public read (``Auth: NONE``): the caller when a valid bearer token
    is sent (first sight recorded), None when no token is sent.

    Raises:
        Unauthorized: the token sent is invalid (see :func:`_in_function_principal`).
    """
    found = _in_function_principal(request)
    if found is not None:
        ensure_user(found)
    return found


def verified_principal(
    request: Request,
    _token: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_jwt_in_function)] = None,
) -> Principal:
    """FastAPI dependency of a route open at the gateway that still needs a caller, so that its
    401 is the product's error shape rather than the gateway's ``{"message":"Unauthorized"}``.

    Raises:
        Unauthorized: no token, or an invalid one.
    """
    found = _in_function_principal(request)
    if found is None:
        raise Unauthorized("authentication required: send Authorization: Bearer <token>")
    ensure_user(found)
    return found


OptionalPrincipal = Depends(optional_principal)
VerifiedPrincipal = Depends(verified_principal)
