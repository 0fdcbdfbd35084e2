"""GenerateImageFunction: POST /api/images/generate"""

from styles.http_api import API
from styles.routes.images import router

app = API.route_app(router, "generate_image")
handler = API.handler(app)
