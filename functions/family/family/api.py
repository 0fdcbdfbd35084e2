"""The whole family HTTP API in one app: for tests, the local runtime and the OpenAPI document.

On AWS each HTTP function runs its own entry module (``family.handlers.<name>``) holding only
its route; this app holds them all, with the same error format (``family.http_api``).
"""

from __future__ import annotations

from family.http_api import API
from family.routes import experiences, households, invitations, me, media, merry_moments, reviews, suggestions

app = API.app([me.router, households.router, invitations.router, experiences.router, reviews.router, merry_moments.router,
               media.router, suggestions.router])
handler = API.handler(app)
