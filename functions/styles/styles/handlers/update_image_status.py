"""UpdateImageStatusFunction: PATCH /api/images/{generation_id}/status"""

from styles.http_api import API
from styles.routes.webhooks import router

app = API.route_app(router, "update_image_status")
handler = API.handler(app)
