"""GetTagFunction: GET /api/tags/{tag_id}/"""

from styles.http_api import API
from styles.routes.tags import router

app = API.route_app(router, "get_tag")
handler = API.handler(app)
