"""BlockFriendFunction: POST /api/social/friends/{connection_id}/block/"""

from wellness.http_api import API
from wellness.routes.friends import router

app = API.route_app(router, "block_friend")
handler = API.handler(app)
