"""ListPlayersFunction: GET /api/players/"""

from music.http_api import API
from music.routes.players import router

app = API.route_app(router, "list_players")
handler = API.handler(app)
