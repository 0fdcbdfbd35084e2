"""ToggleFavoriteConversationFunction: POST /api/conversations/{conversation_id}/toggle_favorite/"""

from wellness.http_api import API
from wellness.routes.conversations import router

app = API.route_app(router, "toggle_favorite_conversation")
handler = API.handler(app)
