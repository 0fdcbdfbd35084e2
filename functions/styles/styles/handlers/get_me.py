"""GetMeFunction: GET /api/auth/me"""

from styles.http_api import API
from styles.routes.auth import router

app = API.route_app(router, "get_me")
handler = API.handler(app)
