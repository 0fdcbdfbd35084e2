"""ListUsageDataFunction: GET /api/usage/data/"""

from wellness.http_api import API
from wellness.routes.usage_data import router

app = API.route_app(router, "list_usage_data")
handler = API.handler(app)
