"""CheckOutFunction: DELETE /api/sessions/current/"""

from music.http_api import API
from music.routes.sessions import router

app = API.route_app(router, "check_out")
handler = API.handler(app)
