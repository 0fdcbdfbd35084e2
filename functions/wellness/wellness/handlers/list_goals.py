"""ListGoalsFunction: GET /api/usage/goals/"""

from wellness.http_api import API
from wellness.routes.goals import router

app = API.route_app(router, "list_goals")
handler = API.handler(app)
