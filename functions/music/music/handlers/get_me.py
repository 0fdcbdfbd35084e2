"""GetMeFunction: GET /api/me/"""

from music.http_api import API
from music.routes.me import router

app = API.route_app(router, "get_me")
handler = API.handler(app)
