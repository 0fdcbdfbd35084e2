"""GetComparisonsFunction: GET /api/analytics/comparisons/"""

from wellness.http_api import API
from wellness.routes.analytics import router

app = API.route_app(router, "get_comparisons")
handler = API.handler(app)
