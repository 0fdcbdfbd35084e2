"""CreateWebhookFunction: POST /api/webhooks/"""

from wellness.http_api import API
from wellness.routes.webhooks import router

app = API.route_app(router, "create_webhook")
handler = API.handler(app)
