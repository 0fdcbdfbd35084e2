"""ListAppsFunction: GET /api/apps/"""

from wellness.http_api import API
from wellness.routes.apps import router

app = API.route_app(router, "list_apps")
handler = API.handler(app)
