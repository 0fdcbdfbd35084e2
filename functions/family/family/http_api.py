"""The family HTTP API's identity, shared by every entry module and the whole-product app:
title, base path, error codes and OpenAPI description.

Errors are RFC 9457 problem details (``application/problem+json``) with a stable ``code`` from
``family.errors.Code``. Document 000's Django views answered ``{"error": "<message>"}``; the
problem's ``detail`` is that message (issue 9: one error shape for family, music and movies).
"""

from __future__ import annotations

from typing import Any

from backlot.http import ProductApi

from family.errors import Code

API = ProductApi(
    title="backlot family API",
    base_path="/family",
    codes=Code,
    description=(
        "Households, experiences, reviews, merry moments, media and learning-weighted suggestions "
        "(design document 000). Every route needs a bearer JWT (locally: `backlot token NAME`). "
        "Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`; "
        "a request that does not match this schema is a 422, one that matches it but breaks a rule "
        "needing the data is a 400."
    ),
)


def problems(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route whose error statuses say when they happen: each status
    documented with the product's problem model (as ``API.errors`` does) and ``described[status]``
    as its description (naming the ``code``s), instead of the bare status phrase."""
    return {status: {"model": API.problem, "description": text} for status, text in described.items()}
