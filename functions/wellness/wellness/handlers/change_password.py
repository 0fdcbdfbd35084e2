"""ChangePasswordFunction: POST /api/accounts/users/change_password/"""

from wellness.http_api import API
from wellness.routes.accounts import router

app = API.route_app(router, "change_password")
handler = API.handler(app)
