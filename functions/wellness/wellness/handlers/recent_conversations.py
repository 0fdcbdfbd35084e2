"""RecentConversationsFunction: GET /api/conversations/recent/"""

from wellness.http_api import API
from wellness.routes.conversations import router

app = API.route_app(router, "recent_conversations")
handler = API.handler(app)
