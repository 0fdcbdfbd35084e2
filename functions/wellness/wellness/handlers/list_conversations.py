"""ListConversationsFunction: GET /api/conversations/"""

from wellness.http_api import API
from wellness.routes.conversations import router

app = API.route_app(router, "list_conversations")
handler = API.handler(app)
