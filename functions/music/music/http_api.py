"""The music HTTP API's identity, shared by every entry module and the whole-product app.
Document 002 gives no error shape, so errors are the platform's RFC 9457 problem+json with a
stable ``code`` from ``music.errors.Code``."""

from __future__ import annotations

from backlot.http import ProductApi

from music.errors import Code

API = ProductApi(
    title="backlot music API",
    base_path="/music",
    codes=Code,
    description=(
        "Venue players that follow the room (design document 002). People send a bearer JWT "
        "(locally: `backlot token NAME`); players send their device token (`blp_...`) to "
        "`/api/player/*`, checked by a Lambda authorizer (401 without one, 403 for a wrong one). "
        "Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`; "
        "a request that does not match this schema is a 422."
    ),
    gateway_statuses={"jwt": (401,), "player": (401, 403)},
)
