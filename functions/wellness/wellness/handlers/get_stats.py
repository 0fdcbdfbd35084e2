"""GetStatsFunction: GET /api/analytics/stats/"""

from wellness.http_api import API
from wellness.routes.analytics import router

app = API.route_app(router, "get_stats")
handler = API.handler(app)
