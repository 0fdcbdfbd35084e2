"""DeleteWebhookFunction: DELETE /api/webhooks/{webhook_id}/"""

from wellness.http_api import API
from wellness.routes.webhooks import router

app = API.route_app(router, "delete_webhook")
handler = API.handler(app)
