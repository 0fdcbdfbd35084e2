"""ListTransactionsFunction: GET /api/tokens/transactions/"""

from styles.http_api import API
from styles.routes.tokens import router

app = API.route_app(router, "list_transactions")
handler = API.handler(app)
