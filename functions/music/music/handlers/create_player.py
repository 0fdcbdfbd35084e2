"""CreatePlayerFunction: POST /api/players/"""

from music.http_api import API
from music.routes.players import router

app = API.route_app(router, "create_player")
handler = API.handler(app)
