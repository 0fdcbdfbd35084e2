"""PlayerPollFunction: GET /api/player/poll"""

from music.http_api import API
from music.routes.player import router

app = API.route_app(router, "player_poll")
handler = API.handler(app)
