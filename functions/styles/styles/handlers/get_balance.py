"""GetBalanceFunction: GET /api/tokens/balance/"""

from styles.http_api import API
from styles.routes.tokens import router

app = API.route_app(router, "get_balance")
handler = API.handler(app)
