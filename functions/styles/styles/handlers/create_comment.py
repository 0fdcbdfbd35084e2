"""CreateCommentFunction: POST /api/images/{generation_id}/comments"""

from styles.http_api import API
from styles.routes.comments import router

app = API.route_app(router, "create_comment")
handler = API.handler(app)
