"""RevokePlayerFunction: POST /api/players/{player_id}/revoke/"""

from music.http_api import API
from music.routes.players import router

app = API.route_app(router, "revoke_player")
handler = API.handler(app)
