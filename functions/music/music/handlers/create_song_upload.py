"""CreateSongUploadFunction: POST /api/songs/{song_id}/upload/"""

from music.http_api import API
from music.routes.songs import router

app = API.route_app(router, "create_song_upload")
handler = API.handler(app)
