"""GetTrendsFunction: GET /api/analytics/trends/"""

from wellness.http_api import API
from wellness.routes.analytics import router

app = API.route_app(router, "get_trends")
handler = API.handler(app)
