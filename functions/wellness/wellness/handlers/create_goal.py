"""CreateGoalFunction: POST /api/usage/goals/"""

from wellness.http_api import API
from wellness.routes.goals import router

app = API.route_app(router, "create_goal")
handler = API.handler(app)
