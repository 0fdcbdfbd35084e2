"""GetConversationFunction: GET /api/conversations/{conversation_id}/"""

from wellness.http_api import API
from wellness.routes.conversations import router

app = API.route_app(router, "get_conversation")
handler = API.handler(app)
