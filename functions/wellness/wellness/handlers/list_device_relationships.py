"""ListDeviceRelationshipsFunction: GET /api/devices/relationships/"""

from wellness.http_api import API
from wellness.routes.devices import router

app = API.route_app(router, "list_device_relationships")
handler = API.handler(app)
