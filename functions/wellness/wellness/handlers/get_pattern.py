"""GetPatternFunction: GET /api/usage/patterns/{pattern_id}/"""

from wellness.http_api import API
from wellness.routes.patterns import router

app = API.route_app(router, "get_pattern")
handler = API.handler(app)
