"""GetPlayerQueueFunction: GET /api/players/{player_id}/queue/"""

from music.http_api import API
from music.routes.players import router

app = API.route_app(router, "get_player_queue")
handler = API.handler(app)
