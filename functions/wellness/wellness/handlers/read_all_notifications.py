"""ReadAllNotificationsFunction: POST /api/notifications/read_all/"""

from wellness.http_api import API
from wellness.routes.notifications import router

app = API.route_app(router, "read_all_notifications")
handler = API.handler(app)
