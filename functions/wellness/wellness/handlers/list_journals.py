"""ListJournalsFunction: GET /api/conversations/journals/"""

from wellness.http_api import API
from wellness.routes.conversations import router

app = API.route_app(router, "list_journals")
handler = API.handler(app)
