"""CreateSongFunction: POST /api/songs/"""

from music.http_api import API
from music.routes.songs import router

app = API.route_app(router, "create_song")
handler = API.handler(app)
