"""CreateMediaUploadFunction: POST /api/v1/media/uploads/"""

from family.http_api import API
from family.routes.media import router

app = API.route_app(router, "create_media_upload")
handler = API.handler(app)
