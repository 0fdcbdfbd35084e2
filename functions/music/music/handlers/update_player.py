"""UpdatePlayerFunction: PATCH /api/players/{player_id}/"""

from music.http_api import API
from music.routes.players import router

app = API.route_app(router, "update_player")
handler = API.handler(app)
