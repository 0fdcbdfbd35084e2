"""GetUserStatsFunction: GET /api/accounts/users/stats/"""

from wellness.http_api import API
from wellness.routes.accounts import router

app = API.route_app(router, "get_user_stats")
handler = API.handler(app)
