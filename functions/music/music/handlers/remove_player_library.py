"""RemovePlayerLibraryFunction: DELETE /api/players/{player_id}/library/{song_id}/"""

from music.http_api import API
from music.routes.players import router

app = API.route_app(router, "remove_player_library")
handler = API.handler(app)
