"""FavoriteDeviceAppFunction: PUT /api/apps/device-apps/{device_app_id}/favorite/"""

from wellness.http_api import API
from wellness.routes.apps import router

app = API.route_app(router, "favorite_device_app")
handler = API.handler(app)
