"""UpdateProfileFunction: PATCH /api/accounts/profile/"""

from wellness.http_api import API
from wellness.routes.accounts import router

app = API.route_app(router, "update_profile")
handler = API.handler(app)
