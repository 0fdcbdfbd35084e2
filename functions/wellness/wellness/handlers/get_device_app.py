"""GetDeviceAppFunction: GET /api/apps/device-apps/{device_app_id}/"""

from wellness.http_api import API
from wellness.routes.apps import router

app = API.route_app(router, "get_device_app")
handler = API.handler(app)
