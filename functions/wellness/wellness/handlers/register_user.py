"""RegisterUserFunction: POST /api/accounts/users/"""

from wellness.http_api import API
from wellness.routes.accounts import router

app = API.route_app(router, "register_user")
handler = API.handler(app)
