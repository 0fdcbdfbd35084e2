"""GenerateConversationFunction: POST /api/conversations/generate/"""

from wellness.http_api import API
from wellness.routes.conversations import router

app = API.route_app(router, "generate_conversation")
handler = API.handler(app)
