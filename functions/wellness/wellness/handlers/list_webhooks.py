"""ListWebhooksFunction: GET /api/webhooks/"""

from wellness.http_api import API
from wellness.routes.webhooks import router

app = API.route_app(router, "list_webhooks")
handler = API.handler(app)
