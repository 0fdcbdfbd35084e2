"""RefreshTokensFunction: POST /api/accounts/token/refresh/"""

from wellness.http_api import API
from wellness.routes.accounts import router

app = API.route_app(router, "refresh_tokens")
handler = API.handler(app)
