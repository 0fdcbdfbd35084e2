"""ListCommentsFunction: GET /api/images/{generation_id}/comments"""

from styles.http_api import API
from styles.routes.comments import router

app = API.route_app(router, "list_comments")
handler = API.handler(app)
