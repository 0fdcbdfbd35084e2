"""ListSongsFunction: GET /api/songs/"""

from music.http_api import API
from music.routes.songs import router

app = API.route_app(router, "list_songs")
handler = API.handler(app)
