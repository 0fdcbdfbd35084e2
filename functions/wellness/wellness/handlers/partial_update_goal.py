"""PartialUpdateGoalFunction: PATCH /api/usage/goals/{goal_id}/"""

from wellness.http_api import API
from wellness.routes.goals import router

app = API.route_app(router, "partial_update_goal")
handler = API.handler(app)
