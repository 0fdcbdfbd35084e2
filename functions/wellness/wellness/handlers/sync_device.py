"""SyncDeviceFunction: POST /api/devices/{device_id}/sync/"""

from wellness.http_api import API
from wellness.routes.devices import router

app = API.route_app(router, "sync_device")
handler = API.handler(app)
