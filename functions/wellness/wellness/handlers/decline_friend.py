"""DeclineFriendFunction: POST /api/social/friends/{connection_id}/decline/"""

from wellness.http_api import API
from wellness.routes.friends import router

app = API.route_app(router, "decline_friend")
handler = API.handler(app)
