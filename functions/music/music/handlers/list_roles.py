"""ListRolesFunction: GET /api/roles/"""

from music.http_api import API
from music.routes.roles import router

app = API.route_app(router, "list_roles")
handler = API.handler(app)
