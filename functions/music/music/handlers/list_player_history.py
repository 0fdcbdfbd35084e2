"""ListPlayerHistoryFunction: GET /api/players/{player_id}/history/"""

from music.http_api import API
from music.routes.players import router

app = API.route_app(router, "list_player_history")
handler = API.handler(app)
