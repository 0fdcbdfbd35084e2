"""PlayerPlayedFunction: POST /api/player/played"""

from music.http_api import API
from music.routes.player import router

app = API.route_app(router, "player_played")
handler = API.handler(app)
