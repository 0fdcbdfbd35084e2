"""GoogleLoginFunction: GET /api/auth/google/login"""

from styles.http_api import API
from styles.routes.auth import router

app = API.route_app(router, "google_login")
handler = API.handler(app)
