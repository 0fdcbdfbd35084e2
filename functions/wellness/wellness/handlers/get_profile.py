"""GetProfileFunction: GET /api/accounts/profile/"""

from wellness.http_api import API
from wellness.routes.accounts import router

app = API.route_app(router, "get_profile")
handler = API.handler(app)
