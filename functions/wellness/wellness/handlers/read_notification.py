"""ReadNotificationFunction: POST /api/notifications/{notification_id}/read/"""

from wellness.http_api import API
from wellness.routes.notifications import router

app = API.route_app(router, "read_notification")
handler = API.handler(app)
