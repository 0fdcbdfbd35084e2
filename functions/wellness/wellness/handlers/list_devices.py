"""ListDevicesFunction: GET /api/devices/"""

from wellness.http_api import API
from wellness.routes.devices import router

app = API.route_app(router, "list_devices")
handler = API.handler(app)
