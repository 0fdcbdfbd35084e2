"""GetMeFunction: GET /api/accounts/users/me/"""

from wellness.http_api import API
from wellness.routes.accounts import router

app = API.route_app(router, "get_me")
handler = API.handler(app)
