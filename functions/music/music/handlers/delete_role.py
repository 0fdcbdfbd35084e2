"""DeleteRoleFunction: DELETE /api/roles/{user_id}/"""

from music.http_api import API
from music.routes.roles import router

app = API.route_app(router, "delete_role")
handler = API.handler(app)
