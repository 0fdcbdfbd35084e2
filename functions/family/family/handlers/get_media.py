"""GetMediaFunction: GET /api/v1/media/{media_id}/"""

from family.http_api import API
from family.routes.media import router

app = API.route_app(router, "get_media")
handler = API.handler(app)
