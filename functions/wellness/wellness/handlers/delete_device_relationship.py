"""DeleteDeviceRelationshipFunction: DELETE /api/devices/relationships/{relationship_id}/"""

from wellness.http_api import API
from wellness.routes.devices import router

app = API.route_app(router, "delete_device_relationship")
handler = API.handler(app)
