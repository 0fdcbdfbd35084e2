"""SetPrimaryDeviceFunction: POST /api/devices/{device_id}/set_primary/"""

from wellness.http_api import API
from wellness.routes.devices import router

app = API.route_app(router, "set_primary_device")
handler = API.handler(app)
