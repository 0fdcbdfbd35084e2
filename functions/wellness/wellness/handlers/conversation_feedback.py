"""ConversationFeedbackFunction: POST /api/conversations/{conversation_id}/feedback/"""

from wellness.http_api import API
from wellness.routes.conversations import router

app = API.route_app(router, "conversation_feedback")
handler = API.handler(app)
