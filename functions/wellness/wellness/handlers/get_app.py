"""GetAppFunction: GET /api/apps/{app_id}/"""

from wellness.http_api import API
from wellness.routes.apps import router

app = API.route_app(router, "get_app")
handler = API.handler(app)
