"""GetSongFunction: GET /api/songs/{song_id}/"""

from music.http_api import API
from music.routes.songs import router

app = API.route_app(router, "get_song")
handler = API.handler(app)
