"""SetImageVisibilityFunction: PATCH /api/images/{generation_id}/visibility"""

from styles.http_api import API
from styles.routes.community import router

app = API.route_app(router, "set_image_visibility")
handler = API.handler(app)
