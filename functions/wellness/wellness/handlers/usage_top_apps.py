"""UsageTopAppsFunction: GET /api/usage/data/top_apps/"""

from wellness.http_api import API
from wellness.routes.usage_data import router

app = API.route_app(router, "usage_top_apps")
handler = API.handler(app)
