"""ListTagsFunction: GET /api/tags/"""

from styles.http_api import API
from styles.routes.tags import router

app = API.route_app(router, "list_tags")
handler = API.handler(app)
