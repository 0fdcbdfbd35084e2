"""ReplaceDeviceFunction: PUT /api/devices/{device_id}/"""

from wellness.http_api import API
from wellness.routes.devices import router

app = API.route_app(router, "replace_device")
handler = API.handler(app)
