"""AddPlayerLibraryFunction: POST /api/players/{player_id}/library/"""

from music.http_api import API
from music.routes.players import router

app = API.route_app(router, "add_player_library")
handler = API.handler(app)
