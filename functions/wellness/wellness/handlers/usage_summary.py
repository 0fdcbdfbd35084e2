"""UsageSummaryFunction: GET /api/usage/data/summary/"""

from wellness.http_api import API
from wellness.routes.usage_data import router

app = API.route_app(router, "usage_summary")
handler = API.handler(app)
