"""The whole wellness HTTP API in one app: for tests, the local runtime and the OpenAPI document.

On AWS each HTTP function runs its own entry module (``wellness.handlers.<name>``) holding only
its route; this app holds them all, with the same error format (``wellness.http_api``). Each area
adds its router below (one import and one list entry).
"""

from __future__ import annotations

from wellness.http_api import API
from wellness.routes import accounts, apps, devices

# usage (wusage): import its routers here
from wellness.routes import usage_data  # noqa: E402

# analytics (wanalytics): import its routers here
from wellness.routes import analytics, goals, patterns

# conversations and journals (wai)
from wellness.routes import conversations  # noqa: E402
# social (wsocial)
from wellness.routes import blocks, challenges, friends, visits  # noqa: E402
# notifications and webhooks (wnotify)
from wellness.routes import notifications, webhooks  # noqa: E402

ROUTERS = [
    accounts.router,
    devices.router,
    apps.router,
    # usage (wusage): its routers here
    usage_data.router,
    # analytics (wanalytics): its routers here
    patterns.router,
    goals.router,
    analytics.router,
    # conversations and journals (wai)
    conversations.router,
    # social (wsocial)
    friends.router,
    visits.router,
    challenges.router,
    blocks.router,
    # notifications and webhooks (wnotify)
    notifications.router,
    webhooks.router,
]

app = API.app(ROUTERS)
handler = API.handler(app)
