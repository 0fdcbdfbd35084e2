"""The whole movies HTTP API in one app: for tests, the local runtime and the OpenAPI document.

On AWS each HTTP function runs its own entry module (``movies.handlers.<name>``) holding only
its route; this app holds them all, with the same error format (``movies.http_api``).
"""

from __future__ import annotations

from movies.http_api import API
from movies.routes import sessions, uploads

app = API.app([uploads.router, sessions.router])
handler = API.handler(app)
