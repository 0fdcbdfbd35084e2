"""ListWebhookDeliveriesFunction: GET /api/webhooks/{webhook_id}/deliveries/"""

from wellness.http_api import API
from wellness.routes.webhooks import router

app = API.route_app(router, "list_webhook_deliveries")
handler = API.handler(app)
