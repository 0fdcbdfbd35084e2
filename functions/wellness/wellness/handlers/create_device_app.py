"""CreateDeviceAppFunction: POST /api/apps/device-apps/"""

from wellness.http_api import API
from wellness.routes.apps import router

app = API.route_app(router, "create_device_app")
handler = API.handler(app)
