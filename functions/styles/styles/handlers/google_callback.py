"""GoogleCallbackFunction: GET /api/auth/google/callback"""

from styles.http_api import API
from styles.routes.auth import router

app = API.route_app(router, "google_callback")
handler = API.handler(app)
