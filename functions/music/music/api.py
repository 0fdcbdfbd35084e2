"""The Lambda handler of every music HTTP function (API Gateway gives each function only its own
route; they share this module so one app holds the routes and the error mapping). Document 002
gives no error shape, so errors are the platform's RFC 9457 problem+json."""

from __future__ import annotations

import os

from backlot.http import create_app, lambda_handler

from music.routes import player_router, router

app = create_app(title="backlot music API", routers=[router, player_router])
handler = lambda_handler(app, base_path=os.environ.get("API_BASE_PATH", "/music"))
