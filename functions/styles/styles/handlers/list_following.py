"""ListFollowingFunction: GET /api/users/following"""

from styles.http_api import API
from styles.routes.follows import router

app = API.route_app(router, "list_following")
handler = API.handler(app)
