"""The family HTTP API's identity, shared by every entry module and the whole-product app:
title, base path and error format.

Document 000's views answer errors as ``{"error": "<message>"}``; ``code``, ``fields`` and the
request id are additions. Validation errors are 400s, as in the document's Django views.
"""

from __future__ import annotations

from backlot.http import ErrorFormat, ProductApi


def _error_body(status: int, code: str, detail: str, fields: list, request_id: str | None) -> dict:
    body: dict = {"error": detail, "code": code}
    if fields:
        body["fields"] = fields
    if request_id:
        body["request_id"] = request_id
    return body


FAMILY_ERRORS = ErrorFormat(media_type="application/json", body=_error_body, validation_status=400)

API = ProductApi(title="backlot family API", base_path="/family", error_format=FAMILY_ERRORS)
