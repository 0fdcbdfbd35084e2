"""API Gateway HTTP API payload format 2.0: the events it sends to Lambda and how it maps responses.

Shapes follow the API Gateway developer guide, "Create AWS Lambda proxy integrations for HTTP APIs"
(payload format version 2.0) and "Control access to HTTP APIs with AWS Lambda authorizers"
(the REQUEST authorizer event, payload 2.0), checked against the sample events in
``shared/data/aws-events/`` (Powertools' ``apiGatewayProxyV2Event.json`` and
``apiGatewayAuthorizerV2Event.json``):

* header names are lower-cased, repeated headers are joined with commas, and the ``cookie``
  header moves to ``cookies`` (one entry per cookie);
* ``queryStringParameters`` joins repeated keys with commas; ``rawQueryString`` is as sent;
* ``rawPath`` and ``requestContext.http.path`` keep the custom-domain base path (``/family/...``),
  while ``routeKey`` is the route as declared (``GET /api/v1/me/``);
* the body is passed as text when its content type is text or JSON/XML, otherwise base64 with
  ``isBase64Encoded: true`` (multipart uploads are always base64);
* keys without a value (``cookies``, ``queryStringParameters``, ``pathParameters``, ``body``) are
  left out, as API Gateway does.

Response mapping (same guide, "Lambda function response for format 2.0"): a dict with
``statusCode`` is used as is (``headers``, ``multiValueHeaders``, ``cookies``, ``body``,
``isBase64Encoded``); any other JSON value becomes a 200 ``application/json`` response whose body is
that value.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from backlot_local import ACCOUNT_ID

MAX_REQUEST_BYTES = 10 * 1024 * 1024
"""API Gateway's HTTP API payload quota (10 MB); larger requests get a 413."""

LAMBDA_MAX_PAYLOAD_BYTES = 6 * 1024 * 1024 + 100
"""Lambda's synchronous invocation payload quota (6 MB, 6,291,556 bytes) for the event and the response."""

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class HttpRequest:
    """One HTTP request as the gateway received it.

    ``headers`` keeps every header line in order (names as sent); ``raw_path`` and
    ``raw_query_string`` are as on the wire (percent-encoding kept).
    """

    method: str
    raw_path: str
    raw_query_string: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"


def _joined_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            continue
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def _cookies(headers: Iterable[tuple[str, str]]) -> list[str]:
    cookies: list[str] = []
    for name, value in headers:
        if name.lower() == "cookie":
            cookies += [part.strip() for part in value.split(";") if part.strip()]
    return cookies


def query_parameters(raw_query_string: str) -> dict[str, str]:
    """``queryStringParameters``: decoded, repeated keys joined with commas (``a=1&a=2`` -> ``{"a": "1,2"}``)."""
    params: dict[str, str] = {}
    for key, value in parse_qsl(raw_query_string, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    return params


def is_text_content(content_type: str | None) -> bool:
    """True when API Gateway passes a body of this content type as text (text/*, JSON, XML, JavaScript)."""
    if not content_type:
        return False
    media = content_type.split(";")[0].strip().lower()
    return (
        media.startswith("text/")
        or media in ("application/json", "application/xml", "application/javascript")
        or media.endswith("+json")
        or media.endswith("+xml")
    )


def encode_body(body: bytes, content_type: str | None) -> tuple[str | None, bool]:
    """Return ``(body, isBase64Encoded)`` for the event: text as is, anything else base64."""
    if not body:
        return None, False
    if is_text_content(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def request_time(epoch_ms: int) -> str:
    """``requestContext.time``: ``12/Mar/2020:19:03:58 +0000`` (UTC, English month names)."""
    t = time.gmtime(epoch_ms / 1000)
    return f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"


def request_context(request: HttpRequest, *, api_id: str, route_key: str, request_id: str | None = None, now_ms: int | None = None) -> dict[str, Any]:
    """The ``requestContext`` of a payload 2.0 event (without ``authorizer``)."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    headers = _joined_headers(request.headers)
    domain = headers.get("host", "localhost").split(":")[0]
    return {
        "accountId": ACCOUNT_ID,
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": domain.split(".")[0],
        "http": {
            "method": request.method.upper(),
            "path": request.raw_path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id or str(uuid.uuid4()),
        "routeKey": route_key,
        "stage": "$default",
        "time": request_time(now_ms),
        "timeEpoch": now_ms,
    }


def forwarded_headers(request: HttpRequest, port: int) -> list[tuple[str, str]]:
    """The request's headers plus those API Gateway adds (``x-forwarded-*``, ``x-amzn-trace-id``)."""
    added = [
        ("x-amzn-trace-id", f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"),
        ("x-forwarded-for", request.source_ip),
        ("x-forwarded-port", str(port)),
        ("x-forwarded-proto", "http"),
    ]
    present = {name.lower() for name, _ in request.headers}
    return list(request.headers) + [(k, v) for k, v in added if k not in present]


def http_event(
    request: HttpRequest,
    *,
    api_id: str,
    route_key: str,
    path_parameters: dict[str, str],
    authorizer: dict[str, Any] | None,
    request_id: str | None = None,
    now_ms: int | None = None,
) -> dict[str, Any]:
    """Build the payload 2.0 event API Gateway sends to the route's function.

    Args:
        authorizer: ``{"jwt": {"claims": ..., "scopes": ...}}`` or ``{"lambda": context}``; None
            when the route has no authorizer (the key is then absent).
    """
    headers = _joined_headers(request.headers)
    context = request_context(request, api_id=api_id, route_key=route_key, request_id=request_id, now_ms=now_ms)
    if authorizer is not None:
        context["authorizer"] = authorizer
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query_string,
    }
    cookies = _cookies(request.headers)
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if request.raw_query_string:
        event["queryStringParameters"] = query_parameters(request.raw_query_string)
    event["requestContext"] = context
    body, is_base64 = encode_body(request.body, headers.get("content-type"))
    if body is not None:
        event["body"] = body
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    event["isBase64Encoded"] = is_base64
    return event


def authorizer_event(
    request: HttpRequest,
    *,
    api_id: str,
    route_key: str,
    route_arn: str,
    identity_source: list[str],
    path_parameters: dict[str, str],
    request_id: str | None = None,
    now_ms: int | None = None,
) -> dict[str, Any]:
    """Build the Lambda REQUEST authorizer event, payload format 2.0 (no body, no ``authorizer``)."""
    headers = _joined_headers(request.headers)
    event: dict[str, Any] = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": route_arn,
        "identitySource": identity_source,
        "routeKey": route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query_string,
    }
    cookies = _cookies(request.headers)
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if request.raw_query_string:
        event["queryStringParameters"] = query_parameters(request.raw_query_string)
    event["requestContext"] = request_context(request, api_id=api_id, route_key=route_key, request_id=request_id, now_ms=now_ms)
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    return event


def identity_values(request: HttpRequest, sources: list[str], context: dict[str, Any]) -> list[str] | None:
    """Values of identity sources (``$request.header.X``, ``$request.querystring.X``, ``$context.X``).

    Returns None when any source is missing or empty: API Gateway then answers 401 without calling
    the authorizer.
    """
    headers = _joined_headers(request.headers)
    query = query_parameters(request.raw_query_string)
    values = []
    for source in sources:
        value: Any = None
        if source.startswith("$request.header."):
            value = headers.get(source[len("$request.header."):].lower())
        elif source.startswith("$request.querystring."):
            value = query.get(source[len("$request.querystring."):])
        elif source.startswith("$context."):
            value = context
            for part in source[len("$context."):].split("."):
                value = value.get(part) if isinstance(value, dict) else None
        if value in (None, ""):
            return None
        values.append(str(value))
    return values


def flatten_claim(value: Any) -> str:
    """One JWT claim as API Gateway's JWT authorizer passes it: always a string.

    Arrays become ``"[a b]"`` (space-separated in brackets, so ``cognito:groups`` arrives as
    ``"[admin]"``), objects ``"map[k:v]"``, booleans ``"true"``/``"false"``, whole numbers without a
    decimal point.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(flatten_claim(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{flatten_claim(v)}" for k, v in sorted(value.items())) + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None:
        return ""
    return str(value)


def flatten_claims(claims: dict[str, Any]) -> dict[str, str]:
    """All claims flattened with :func:`flatten_claim` (``requestContext.authorizer.jwt.claims``)."""
    return {str(k): flatten_claim(v) for k, v in claims.items()}


@dataclass
class HttpResponse:
    """What goes back to the client: status, header lines (repeatable) and body bytes."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


class MalformedResponse(ValueError):
    """The function's result is not a valid payload 2.0 response (API Gateway answers 502)."""


def message_response(status: int, message: str, extra_headers: list[tuple[str, str]] | None = None) -> HttpResponse:
    """API Gateway's own error responses: ``{"message": "..."}`` as JSON."""
    body = json.dumps({"message": message}, separators=(",", ":")).encode()
    return HttpResponse(status, [("content-type", "application/json")] + (extra_headers or []), body)


def response_from_result(result: Any) -> HttpResponse:
    """Map a function's return value to the HTTP response, as API Gateway does for payload 2.0.

    Raises:
        MalformedResponse: ``statusCode`` is not an integer, the headers are not a map, or the
            base64 body does not decode.
    """
    if not (isinstance(result, dict) and "statusCode" in result):
        return HttpResponse(200, [("content-type", "application/json")], json.dumps(result).encode())
    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError) as exc:
        raise MalformedResponse(f"statusCode {result['statusCode']!r} is not an integer") from exc
    if not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode {status} is not an HTTP status")
    lines: list[tuple[str, str]] = []
    headers = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    if not isinstance(headers, dict) or not isinstance(multi, dict):
        raise MalformedResponse("headers and multiValueHeaders must be maps")
    for name, value in headers.items():
        if name.lower() not in {m.lower() for m in multi}:
            lines.append((str(name).lower(), _header_value(value)))
    for name, values in multi.items():
        for value in values if isinstance(values, list) else [values]:
            lines.append((str(name).lower(), _header_value(value)))
    for cookie in result.get("cookies") or []:
        lines.append(("set-cookie", str(cookie)))
    body = result.get("body")
    if body is None:
        data = b""
    elif result.get("isBase64Encoded"):
        try:
            data = base64.b64decode(str(body), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MalformedResponse("isBase64Encoded is true but the body is not base64") from exc
    else:
        data = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode()
    return HttpResponse(status, lines, data)


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def cors_allowed_origin(cors: dict[str, Any], origin: str | None) -> str | None:
    """The ``access-control-allow-origin`` value for ``origin`` under an HTTP API's ``CorsConfiguration``
    (``*`` when all origins are allowed, the origin itself when it matches one), or None."""
    if not origin:
        return None
    origins = [str(o) for o in cors.get("AllowOrigins") or []]
    if "*" in origins:
        return "*"
    return origin if any(fnmatch.fnmatchcase(origin, pattern) for pattern in origins) else None


def _joined(values: Any) -> str:
    return ",".join(str(v) for v in values) if isinstance(values, list) else str(values)


def cors_preflight(cors: dict[str, Any], headers: list[tuple[str, str]]) -> HttpResponse:
    """API Gateway's own answer to a CORS preflight (``OPTIONS`` with ``Origin`` and
    ``Access-Control-Request-Method``) on an API with CORS configured: 204, with the allow headers
    when the origin is allowed (API Gateway developer guide, "Configuring CORS for an HTTP API")."""
    origin = _joined_headers(headers).get("origin")
    allowed = cors_allowed_origin(cors, origin)
    lines: list[tuple[str, str]] = []
    if allowed:
        lines.append(("access-control-allow-origin", allowed))
        if cors.get("AllowMethods"):
            lines.append(("access-control-allow-methods", _joined(cors["AllowMethods"])))
        if cors.get("AllowHeaders"):
            lines.append(("access-control-allow-headers", _joined(cors["AllowHeaders"])))
        if cors.get("MaxAge") is not None:
            lines.append(("access-control-max-age", str(cors["MaxAge"])))
        if cors.get("AllowCredentials"):
            lines.append(("access-control-allow-credentials", "true"))
    return HttpResponse(204, lines, b"")


def is_preflight(method: str, headers: list[tuple[str, str]]) -> bool:
    """An ``OPTIONS`` request carrying ``Origin`` and ``Access-Control-Request-Method``."""
    joined = _joined_headers(headers)
    return method.upper() == "OPTIONS" and "origin" in joined and "access-control-request-method" in joined


def apply_cors(cors: dict[str, Any], headers: list[tuple[str, str]], response: HttpResponse) -> None:
    """Replace the response's CORS headers with the API's: API Gateway ignores CORS headers from the
    integration and adds its own when the request's origin is allowed."""
    response.headers[:] = [(k, v) for k, v in response.headers if not k.lower().startswith("access-control-")]
    allowed = cors_allowed_origin(cors, _joined_headers(headers).get("origin"))
    if not allowed:
        return
    response.headers.append(("access-control-allow-origin", allowed))
    if cors.get("ExposeHeaders"):
        response.headers.append(("access-control-expose-headers", _joined(cors["ExposeHeaders"])))
    if cors.get("AllowCredentials"):
        response.headers.append(("access-control-allow-credentials", "true"))
