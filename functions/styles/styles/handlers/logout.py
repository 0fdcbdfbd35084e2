"""LogoutFunction: POST /api/auth/logout"""

from styles.http_api import API
from styles.routes.auth import router

app = API.route_app(router, "logout")
handler = API.handler(app)
