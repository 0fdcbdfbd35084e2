"""ListFriendsFunction: GET /api/social/friends/"""

from wellness.http_api import API
from wellness.routes.friends import router

app = API.route_app(router, "list_friends")
handler = API.handler(app)
