"""CreateAppFunction: POST /api/apps/"""

from wellness.http_api import API
from wellness.routes.apps import router

app = API.route_app(router, "create_app")
handler = API.handler(app)
