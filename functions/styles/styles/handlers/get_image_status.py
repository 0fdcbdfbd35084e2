"""GetImageStatusFunction: GET /api/images/{generation_id}/status"""

from styles.http_api import API
from styles.routes.images import router

app = API.route_app(router, "get_image_status")
handler = API.handler(app)
