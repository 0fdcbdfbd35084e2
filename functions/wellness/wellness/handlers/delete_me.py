"""DeleteMeFunction: DELETE /api/accounts/users/me/"""

from wellness.http_api import API
from wellness.routes.accounts import router

app = API.route_app(router, "delete_me")
handler = API.handler(app)
