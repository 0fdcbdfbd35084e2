"""RotatePlayerTokenFunction: POST /api/players/{player_id}/token/"""

from music.http_api import API
from music.routes.players import router

app = API.route_app(router, "rotate_player_token")
handler = API.handler(app)
