"""ListMediaFunction: GET /api/v1/media/"""

from family.http_api import API
from family.routes.media import router

app = API.route_app(router, "list_media")
handler = API.handler(app)
