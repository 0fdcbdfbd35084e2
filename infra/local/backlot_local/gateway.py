"""The local API Gateway: an ASGI app that turns HTTP requests into HTTP API payload 2.0 events.

For each request (API Gateway developer guide, "Working with HTTP APIs"):

1. bodies over 10 MB are refused with 413 ``{"message":"Request Entity Too Large"}``;
2. the route is selected (:mod:`backlot_local.routing`); none -> 404 ``{"message":"Not Found"}``;
3. the route's authorizer decides (:mod:`backlot_local.authorizers`): 401/403/500 as API Gateway;
4. the event is built (:mod:`backlot_local.apigw`); over Lambda's 6 MB invocation payload quota ->
   413; otherwise the route's function is invoked in a warm worker (:mod:`backlot_local.workers`);
5. a function error (exception, timeout, crash) or a malformed response is a 502
   ``{"message":"Internal Server Error"}`` (Lambda developer guide, "Handling Lambda errors with an
   API Gateway API"), and the error with its stack is printed by the worker; the 30 s integration
   timeout (``TimeoutInMillis``) is a 503 ``{"message":"Service Unavailable"}``;
6. the response carries ``apigw-requestid`` like API Gateway's.

Before routing, ``GET /.well-known/backlot-local/jwks.json`` (the local key's JWKS, for functions
that verify bearer tokens themselves: ``backlot.bearer``), ``GET /<product>/openapi.json`` and
``GET /<product>/docs`` are answered by the gateway itself (:mod:`backlot_local.openapi`): on AWS no route serves them, the committed
``openapi/<product>.json`` are the contract.

On an API with ``CorsConfiguration``, preflight requests are answered by the gateway itself (no route
or authorizer involved) and every response carries the API's CORS headers instead of the function's.

:meth:`Gateway.handle` does all of it synchronously (it is what tests call); the ASGI entry runs it
in a thread pool so several requests are served at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from backlot_local import ACCOUNT_ID, REGION
from backlot_local.apigw import (
    LAMBDA_MAX_PAYLOAD_BYTES,
    MAX_REQUEST_BYTES,
    HttpRequest,
    HttpResponse,
    MalformedResponse,
    apply_cors,
    authorizer_event,
    cors_preflight,
    forwarded_headers,
    http_event,
    identity_values,
    is_preflight,
    message_response,
    request_context,
    response_from_result,
)
from backlot_local.openapi import Docs
from backlot_local.authorizers import AuthDecision, authorize_jwt, lambda_authorizer_decision, route_arn
from backlot_local.routing import RouteMatch, Router
from backlot_local.template import Application, Function, JwtAuthorizerConfig, LambdaAuthorizerConfig
from backlot_local.tokens import JWKS_PATH, LocalKeys, jwks
from backlot_local.workers import InvokeResult

AUTHORIZER_TIMEOUT_S = 10
"""API Gateway gives a Lambda authorizer at most 10 seconds."""

Invoke = Callable[..., InvokeResult]


class Gateway:
    """The local HTTP API for every mapped API of the application.

    Args:
        invoke: ``invoke(function, event, timeout_s=...)`` -> :class:`InvokeResult` (a ``WorkerPool.invoke``).
        keys: the local JWT key pair the JWT authorizers verify with.
        port: the port served (for ``x-forwarded-port``).
    """

    def __init__(self, app: Application, invoke: Invoke, keys: LocalKeys, *, port: int = 3000, log: Callable[[str], None] = print,
                 threads: int = 32, docs: Docs | None = None):
        self.app, self.invoke, self.keys, self.port, self.log = app, invoke, keys, port, log
        self.docs = docs
        self.router = Router(app)
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="gateway")

    # ------------------------------------------------------------------ synchronous core
    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request as API Gateway would (see the module docstring)."""
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        api = self.router.api_for(request.raw_path)
        cors = api.cors if api is not None else None
        if cors and is_preflight(request.method, request.headers):
            response, target, note = cors_preflight(cors, request.headers), "", " (CORS preflight)"
        else:
            response, target, note = self._handle(request, request_id)
            if cors:
                apply_cors(cors, request.headers, response)
        response.headers.append(("apigw-requestid", request_id))
        duration = (time.perf_counter() - started) * 1000
        query = f"?{request.raw_query_string}" if request.raw_query_string else ""
        self.log(f"[http] {request.method} {request.raw_path}{query} -> {target}{response.status}{note} [{duration:.0f} ms]")
        return response

    def _handle(self, request: HttpRequest, request_id: str) -> tuple[HttpResponse, str, str]:
        if len(request.body) > MAX_REQUEST_BYTES:
            return message_response(413, "Request Entity Too Large"), "", " (over 10 MB)"
        if request.method == "GET" and request.raw_path == JWKS_PATH:  # the local key, for backlot.bearer
            body = json.dumps(jwks(self.keys)).encode()
            return HttpResponse(200, [("content-type", "application/json")], body), "", " (local JWKS, served by backlot dev)"
        if self.docs is not None:
            try:
                found = self.docs.answer(request.method, request.raw_path)
            except Exception as exc:  # noqa: BLE001 - a product that does not import: say so, serve the rest
                return message_response(500, f"the OpenAPI document could not be generated: {exc}"), "", " (docs)"
            if found is not None:
                status, content_type, body = found
                return HttpResponse(status, [("content-type", content_type)], body), "", " (docs, served by backlot dev)"
        match = self.router.match(request.method, request.raw_path)
        if match is None:
            return message_response(404, "Not Found"), "", " (no route)"
        route = match.route
        target = f"{route.function.id} "
        request = dataclasses.replace(request, headers=forwarded_headers(request, self.port))
        now_ms = int(time.time() * 1000)
        decision, note = self._authorize(match, request, request_id, now_ms)
        if not decision.allowed:
            assert decision.response is not None
            return decision.response, target, note
        event = http_event(
            request,
            api_id=route.api.api_id,
            route_key=route.route_key,
            path_parameters=match.path_parameters,
            authorizer=decision.authorizer,
            request_id=request_id,
            now_ms=now_ms,
        )
        if len(json.dumps(event)) > LAMBDA_MAX_PAYLOAD_BYTES:
            return message_response(413, "Request Entity Too Large"), target, " (event over Lambda's 6 MB payload quota)"
        integration_s = route.timeout_ms / 1000
        timeout_s = min(float(route.function.timeout), integration_s)
        result = self.invoke(route.function, event, timeout_s=timeout_s)
        cold = ", cold start" if result.cold_start else ""
        if not result.ok:
            error = result.error or {}
            if result.timed_out and integration_s < route.function.timeout:
                return message_response(503, "Service Unavailable"), target, f" (integration timeout {integration_s:.0f} s{cold})"
            reason = f" (function error {error.get('errorType')}: {error.get('errorMessage')}{cold})"
            return message_response(502, "Internal Server Error"), target, reason
        if len(json.dumps(result.result)) > LAMBDA_MAX_PAYLOAD_BYTES:
            return message_response(502, "Internal Server Error"), target, f" (response over Lambda's 6 MB payload quota{cold})"
        try:
            response = response_from_result(result.result)
        except MalformedResponse as exc:
            return message_response(502, "Internal Server Error"), target, f" (malformed function response: {exc}{cold})"
        return response, target, cold and f" ({cold[2:]})"

    def _authorize(self, match: RouteMatch, request: HttpRequest, request_id: str, now_ms: int) -> tuple[AuthDecision, str]:
        route, authorizer = match.route, match.route.authorizer
        if authorizer is None:
            return AuthDecision(True), ""
        if isinstance(authorizer, JwtAuthorizerConfig):
            decision = authorize_jwt(authorizer, request, self.keys, route.authorization_scopes)
            reason = ""
            if not decision.allowed and decision.response is not None:
                challenge = dict(decision.response.headers).get("www-authenticate", "")
                reason = challenge.split('error_description="')[-1].rstrip('"') if challenge else "no token"
            return decision, f" (JWT authorizer {authorizer.name}: {reason})" if reason else ""
        return self._lambda_authorize(authorizer, match, request, request_id, now_ms)

    def _lambda_authorize(
        self, authorizer: LambdaAuthorizerConfig, match: RouteMatch, request: HttpRequest, request_id: str, now_ms: int
    ) -> tuple[AuthDecision, str]:
        route = match.route
        note = f" (Lambda authorizer {authorizer.name}"
        context = request_context(request, api_id=route.api.api_id, route_key=route.route_key, request_id=request_id, now_ms=now_ms)
        values = identity_values(request, authorizer.identity_source, context) if authorizer.identity_source else []
        if values is None:
            return AuthDecision(False, response=message_response(401, "Unauthorized")), note + ": identity source missing)"
        function: Function | None = authorizer.function
        if function is None or authorizer.payload_format_version != "2.0":
            problem = "its function is not in the templates" if function is None else "only payload format 2.0 is emulated"
            return AuthDecision(False, response=message_response(500, "Internal Server Error")), note + f": {problem})"
        arn = route_arn(route.api.api_id, request.method, match.api_path, region=REGION, account_id=ACCOUNT_ID)
        event = authorizer_event(
            request,
            api_id=route.api.api_id,
            route_key=route.route_key,
            route_arn=arn,
            identity_source=values,
            path_parameters=match.path_parameters,
            request_id=request_id,
            now_ms=now_ms,
        )
        result = self.invoke(function, event, timeout_s=min(float(function.timeout), AUTHORIZER_TIMEOUT_S))
        if not result.ok:
            error = result.error or {}
            reason = f": error {error.get('errorType')}: {error.get('errorMessage')})"
            return AuthDecision(False, response=message_response(500, "Internal Server Error")), note + reason
        decision = lambda_authorizer_decision(result.result, simple_responses=authorizer.simple_responses, arn=arn)
        if decision.allowed:
            return decision, ""
        assert decision.response is not None
        return decision, note + (": denied)" if decision.response.status == 403 else ": malformed response)")

    # ------------------------------------------------------------------ ASGI
    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http":
            return
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", [])]
        declared = next((v for k, v in headers if k.lower() == "content-length"), None)
        too_large = declared is not None and declared.isdigit() and int(declared) > MAX_REQUEST_BYTES
        body = bytearray()
        while not too_large:
            message = await receive()
            body += message.get("body", b"")
            too_large = len(body) > MAX_REQUEST_BYTES
            if not message.get("more_body"):
                break
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1").split("?")[0]
        if too_large:
            response = message_response(413, "Request Entity Too Large", [("apigw-requestid", str(uuid.uuid4()))])
            self.log(f"[http] {scope['method']} {raw_path} -> 413 (over 10 MB)")
        else:
            request = HttpRequest(
                method=scope["method"],
                raw_path=raw_path,
                raw_query_string=scope.get("query_string", b"").decode("latin-1"),
                headers=headers,
                body=bytes(body),
                source_ip=(scope.get("client") or ("127.0.0.1", 0))[0],
                protocol=f"HTTP/{scope.get('http_version', '1.1')}",
            )
            response = await asyncio.get_running_loop().run_in_executor(self.executor, self.handle, request)
        out_headers = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in response.headers
            if k.lower() not in ("content-length", "transfer-encoding")
        ]
        out_headers.append((b"content-length", str(len(response.body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": out_headers})
        await send({"type": "http.response.body", "body": response.body})

    def close(self) -> None:
        """Stop the thread pool (requests in flight finish)."""
        self.executor.shutdown(wait=False, cancel_futures=True)
