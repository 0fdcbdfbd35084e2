"""API Gateway HTTP API payload 2.0 events for calling handlers in-process (AWS docs, "Working
with AWS Lambda proxy integrations for HTTP APIs", payload format 2.0)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode


def http_event(
    method: str,
    path: str,
    *,
    base_path: str = "",
    route: str | None = None,
    query: dict[str, str] | None = None,
    json_body: Any = None,
    body: bytes | None = None,
    content_type: str | None = None,
    claims: dict[str, str] | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Build the event API Gateway sends for ``method base_path+path`` with a JWT authorizer's claims."""
    headers = {"host": "127.0.0.1", "user-agent": "pytest"}
    is_b64 = False
    raw_body = None
    if json_body is not None:
        raw_body = json.dumps(json_body, default=str)
        headers["content-type"] = "application/json"
    elif body is not None:
        raw_body = base64.b64encode(body).decode()
        is_b64 = True
        headers["content-type"] = content_type or "application/octet-stream"
    raw_path = base_path + path
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} {route or path}",
        "rawPath": raw_path,
        "rawQueryString": urlencode(query or {}),
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "127.0.0.1",
            "domainPrefix": "127",
            "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "pytest"},
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{method} {route or path}",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": is_b64,
    }
    if query:
        event["queryStringParameters"] = dict(query)
    if path_parameters:
        event["pathParameters"] = path_parameters
    if raw_body is not None:
        event["body"] = raw_body
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return event


class LambdaContext:
    """The attributes Powertools and Mangum read from a Lambda context."""

    function_name = "test"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000
