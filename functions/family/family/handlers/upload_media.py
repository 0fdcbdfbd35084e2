"""UploadMediaFunction: POST /api/v1/media/upload/"""

from family.http_api import API
from family.routes.media import router

app = API.route_app(router, "upload_media")
handler = API.handler(app)
