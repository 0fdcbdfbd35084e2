"""CancelImageFunction: POST /api/images/{generation_id}/cancel"""

from styles.http_api import API
from styles.routes.images import router

app = API.route_app(router, "cancel_image")
handler = API.handler(app)
