"""The Lambda handler of every movies HTTP function (each function gets only its own route from
API Gateway; they share this module so one app object holds the routes and error mapping).

Errors: document 003's FastAPI answers errors as ``{"detail": ...}``; the platform default,
RFC 9457 ``application/problem+json``, carries ``detail`` too, plus a stable ``code``.
"""

from __future__ import annotations

import os

from backlot.http import create_app, lambda_handler

from movies.routes import router

app = create_app(title="backlot movies API", routers=[router])
handler = lambda_handler(app, base_path=os.environ.get("API_BASE_PATH", "/movies"))
