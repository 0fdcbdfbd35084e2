"""RequestFriendFunction: POST /api/social/friends/"""

from wellness.http_api import API
from wellness.routes.friends import router

app = API.route_app(router, "request_friend")
handler = API.handler(app)
