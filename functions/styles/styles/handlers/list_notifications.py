"""ListNotificationsFunction: GET /api/notifications"""

from styles.http_api import API
from styles.routes.notifications import router

app = API.route_app(router, "list_notifications")
handler = API.handler(app)
