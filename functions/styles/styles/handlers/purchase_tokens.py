"""PurchaseTokensFunction: POST /api/tokens/purchase/"""

from styles.http_api import API
from styles.routes.tokens import router

app = API.route_app(router, "purchase_tokens")
handler = API.handler(app)
