"""GetMeFunction: GET /api/v1/me/"""

from family.http_api import API
from family.routes.me import router

app = API.route_app(router, "get_me")
handler = API.handler(app)
