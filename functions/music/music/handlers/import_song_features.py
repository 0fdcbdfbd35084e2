"""ImportSongFeaturesFunction: POST /api/songs/import/"""

from music.http_api import API
from music.routes.songs import router

app = API.route_app(router, "import_song_features")
handler = API.handler(app)
