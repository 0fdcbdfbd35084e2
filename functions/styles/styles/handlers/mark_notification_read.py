"""MarkNotificationReadFunction: PATCH /api/notifications/{notification_id}/read"""

from styles.http_api import API
from styles.routes.notifications import router

app = API.route_app(router, "mark_notification_read")
handler = API.handler(app)
