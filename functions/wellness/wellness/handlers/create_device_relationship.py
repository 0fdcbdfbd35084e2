"""CreateDeviceRelationshipFunction: POST /api/devices/relationships/"""

from wellness.http_api import API
from wellness.routes.devices import router

app = API.route_app(router, "create_device_relationship")
handler = API.handler(app)
