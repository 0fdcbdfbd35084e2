"""GetSessionFunction: GET /api/session/{session_id}"""

from movies.http_api import API
from movies.routes.sessions import router

app = API.route_app(router, "get_session")
handler = API.handler(app)
