"""ListSessionMoviesFunction: GET /api/session/{session_id}/movies"""

from movies.http_api import API
from movies.routes.sessions import router

app = API.route_app(router, "list_session_movies")
handler = API.handler(app)
