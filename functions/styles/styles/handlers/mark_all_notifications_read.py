"""MarkAllNotificationsReadFunction: POST /api/notifications/mark-all-read"""

from styles.http_api import API
from styles.routes.notifications import router

app = API.route_app(router, "mark_all_notifications_read")
handler = API.handler(app)
