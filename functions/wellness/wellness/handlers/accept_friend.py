"""AcceptFriendFunction: POST /api/social/friends/{connection_id}/accept/"""

from wellness.http_api import API
from wellness.routes.friends import router

app = API.route_app(router, "accept_friend")
handler = API.handler(app)
