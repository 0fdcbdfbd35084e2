"""GetSessionStatsFunction: GET /api/session/{session_id}/stats"""

from movies.http_api import API
from movies.routes.sessions import router

app = API.route_app(router, "get_session_stats")
handler = API.handler(app)
