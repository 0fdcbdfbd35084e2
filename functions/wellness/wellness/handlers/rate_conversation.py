"""RateConversationFunction: POST /api/conversations/{conversation_id}/rate/"""

from wellness.http_api import API
from wellness.routes.conversations import router

app = API.route_app(router, "rate_conversation")
handler = API.handler(app)
