"""GetSessionFunction: GET /api/sessions/current/"""

from music.http_api import API
from music.routes.sessions import router

app = API.route_app(router, "get_session")
handler = API.handler(app)
