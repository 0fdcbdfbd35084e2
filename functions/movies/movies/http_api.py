"""The movies HTTP API's identity, shared by every entry module and the whole-product app.

Errors: document 003's FastAPI answers errors as ``{"detail": ...}``; the platform default,
RFC 9457 ``application/problem+json``, carries ``detail`` too, plus a stable ``code``.
"""

from __future__ import annotations

from backlot.http import ProductApi

API = ProductApi(title="backlot movies API", base_path="/movies")
