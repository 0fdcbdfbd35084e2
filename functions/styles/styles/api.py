"""The whole styles HTTP API in one app: for tests, the local runtime and the OpenAPI document.

On AWS each HTTP function runs its own entry module (``styles.handlers.<name>``) holding only its
route; this app holds them all, with the same error format (``styles.http_api``). Branch sgen adds
its routers (models, images, webhooks) to the list.
"""

from __future__ import annotations

from styles.http_api import API
from styles.routes import auth, health, images, models, notifications, tokens, webhooks
from styles.routes import comments, community, follows, tags

app = API.app([health.router, auth.router, tokens.router, notifications.router, models.router, images.router,
               webhooks.router,
               tags.router, community.router, comments.router, follows.router])
handler = API.handler(app)
