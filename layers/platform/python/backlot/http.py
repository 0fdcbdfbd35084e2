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

Error bodies: a product whose design document gives an error shape passes an :class:`ErrorFormat`
for it; the default is RFC 9457 ``application/problem+json`` with a stable ``code``.
Unexpected exceptions become a 500 carrying only the request id; the stack goes to the log.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from aws_lambda_powertools.logging import correlation_paths
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from mangum import Mangum
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from backlot import db
from backlot.auth import Principal, ensure_user, principal_from_event
from backlot.errors import DomainError
from backlot.observability import logger, metrics
from backlot.pagination import MAX_LIMIT

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
"""Query parameter ``limit`` of a keyset-paged list: 1..``MAX_LIMIT`` rows."""
Cursor = Annotated[str | None, Query(max_length=200)]
"""Query parameter ``cursor`` of a keyset-paged list (opaque, see ``backlot.pagination``)."""


@dataclass(frozen=True)
class ErrorFormat:
    """How a product writes error bodies.

    Attributes:
        media_type: the response's Content-Type.
        body: ``(status, code, detail, fields, request_id) -> dict``.
        validation_status: status for request validation failures (RFC 9110 allows 400 or 422).
    """

    media_type: str
    body: Callable[[int, str, str, list[dict[str, Any]], str | None], dict[str, Any]]
    validation_status: int = 422


def _problem(status: int, code: str, detail: str, fields: list[dict[str, Any]], request_id: str | None) -> dict[str, Any]:
    from http import HTTPStatus

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


PROBLEM_JSON = ErrorFormat(media_type="application/problem+json", body=_problem)


def _request_id(request: Request) -> str | None:
    event = request.scope.get("aws.event") or {}
    return (event.get("requestContext") or {}).get("requestId")


def _validation_fields(exc: RequestValidationError) -> list[dict[str, Any]]:
    fields = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        fields.append({"field": ".".join(loc) or "body", "message": err.get("msg", "invalid")})
    return fields


def create_app(*, title: str, routers: Sequence[APIRouter], error_format: ErrorFormat = PROBLEM_JSON) -> FastAPI:
    """Build the FastAPI app of one product (or one function) with the shared error mapping.

    Args:
        title: shown in the OpenAPI document.
        routers: the product's routers, paths as in its design document (without the base path).
        error_format: the product's error body shape.
    """
    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    for router in routers:
        app.include_router(router)
    serve_without_trailing_slash(app, routers)

    def respond(request: Request, status: int, code: str, detail: str, fields: list[dict[str, Any]]) -> JSONResponse:
        return JSONResponse(
            error_format.body(status, code, detail, fields, _request_id(request)),
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
        return respond(request, error_format.validation_status, "validation_error", f"invalid request: {summary}", fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return respond(request, exc.status_code, code, str(exc.detail), [])

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error", extra={"path": request.url.path})
        request_id = _request_id(request)
        return respond(request, 500, "internal_error", f"internal error; quote request id {request_id}", [])

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
    asgi = Mangum(app, lifespan="off", api_gateway_base_path=base_path or "/")

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


@dataclass(frozen=True)
class ProductApi:
    """One product's HTTP API: what every app of it shares (one home per product).

    Attributes:
        title: the OpenAPI title.
        base_path: the custom-domain API mapping key (``/family``); ``API_BASE_PATH`` overrides it.
        error_format: the product's error body shape (default RFC 9457 problem+json).
    """

    title: str
    base_path: str
    error_format: ErrorFormat = PROBLEM_JSON

    def app(self, routers: Sequence[APIRouter]) -> FastAPI:
        """The app serving ``routers`` with the product's error format."""
        return create_app(title=self.title, routers=routers, error_format=self.error_format)

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


def principal(request: Request) -> Principal:
    """FastAPI dependency: the caller, from the JWT authorizer's claims; records first sight.

    Raises:
        Unauthorized: the event carries no verified subject.
    """
    found = principal_from_event(request.scope.get("aws.event") or {})
    ensure_user(found)
    return found


CurrentPrincipal = Depends(principal)
