"""ProviderWebhookFunction: POST /api/webhooks/provider/{kind}/{object_id}"""

from styles.http_api import API
from styles.routes.webhooks import router

app = API.route_app(router, "provider_webhook")
handler = API.handler(app)
