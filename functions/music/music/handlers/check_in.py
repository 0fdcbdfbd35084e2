"""CheckInFunction: POST /api/sessions/"""

from music.http_api import API
from music.routes.sessions import router

app = API.route_app(router, "check_in")
handler = API.handler(app)
