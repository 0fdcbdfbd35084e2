"""AiCostsFunction: GET /api/conversations/costs/"""

from wellness.http_api import API
from wellness.routes.conversations import router

app = API.route_app(router, "ai_costs")
handler = API.handler(app)
