"""The movies HTTP API's identity, shared by every entry module and the whole-product app.

Errors: document 003's FastAPI answers errors as ``{"detail": ...}``; the platform default,
RFC 9457 ``application/problem+json``, carries ``detail`` too, plus a stable ``code`` from
``movies.errors.Code``.
"""

from __future__ import annotations

from backlot.http import ProductApi

from movies.errors import Code

API = ProductApi(
    title="backlot movies API",
    base_path="/movies",
    codes=Code,
    description=(
        "Letterboxd exports in, films, viewings and statistics out (design document 003). Anonymous: "
        "the session id is the capability. Errors are RFC 9457 problem details "
        "(`application/problem+json`) with a stable `code`; a request that does not match this "
        "schema is a 422."
    ),
)
