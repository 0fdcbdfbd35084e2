"""LikeImageFunction: POST /api/images/{generation_id}/like"""

from styles.http_api import API
from styles.routes.community import router

app = API.route_app(router, "like_image")
handler = API.handler(app)
