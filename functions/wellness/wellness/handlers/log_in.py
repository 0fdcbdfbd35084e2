"""LogInFunction: POST /api/accounts/login/"""

from wellness.http_api import API
from wellness.routes.accounts import router

app = API.route_app(router, "log_in")
handler = API.handler(app)
