"""GetImageFunction: GET /api/images/{generation_id}"""

from styles.http_api import API
from styles.routes.community import router

app = API.route_app(router, "get_image")
handler = API.handler(app)
