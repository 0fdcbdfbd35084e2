"""CreateDeviceFunction: POST /api/devices/"""

from wellness.http_api import API
from wellness.routes.devices import router

app = API.route_app(router, "create_device")
handler = API.handler(app)
