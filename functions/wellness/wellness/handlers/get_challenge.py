"""GetChallengeFunction: GET /api/social/challenges/{challenge_id}/"""

from wellness.http_api import API
from wellness.routes.challenges import router

app = API.route_app(router, "get_challenge")
handler = API.handler(app)
