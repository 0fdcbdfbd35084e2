"""GetFriendFunction: GET /api/social/friends/{connection_id}/"""

from wellness.http_api import API
from wellness.routes.friends import router

app = API.route_app(router, "get_friend")
handler = API.handler(app)
