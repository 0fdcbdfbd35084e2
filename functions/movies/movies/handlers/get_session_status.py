"""GetSessionStatusFunction: GET /api/session/{session_id}/status"""

from movies.http_api import API
from movies.routes.sessions import router

app = API.route_app(router, "get_session_status")
handler = API.handler(app)
