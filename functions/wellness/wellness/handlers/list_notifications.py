"""ListNotificationsFunction: GET /api/notifications/"""

from wellness.http_api import API
from wellness.routes.notifications import router

app = API.route_app(router, "list_notifications")
handler = API.handler(app)
