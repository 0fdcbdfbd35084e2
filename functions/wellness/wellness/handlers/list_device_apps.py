"""ListDeviceAppsFunction: GET /api/apps/device-apps/"""

from wellness.http_api import API
from wellness.routes.apps import router

app = API.route_app(router, "list_device_apps")
handler = API.handler(app)
