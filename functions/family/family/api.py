"""The Lambda handler of every family HTTP function (each function gets only its own route from
API Gateway; they share this module so one app object holds the routes and error mapping)."""

from __future__ import annotations

import os

from backlot.http import ErrorFormat, create_app, lambda_handler

from family.routes import router


def _error_body(status: int, code: str, detail: str, fields: list, request_id: str | None) -> dict:
    # Document 000's views answer errors as {"error": "<message>"}; code, fields and request id are additions.
    body: dict = {"error": detail, "code": code}
    if fields:
        body["fields"] = fields
    if request_id:
        body["request_id"] = request_id
    return body


FAMILY_ERRORS = ErrorFormat(media_type="application/json", body=_error_body, validation_status=400)

app = create_app(title="backlot family API", routers=[router], error_format=FAMILY_ERRORS)
handler = lambda_handler(app, base_path=os.environ.get("API_BASE_PATH", "/family"))
