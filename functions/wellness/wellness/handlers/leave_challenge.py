"""LeaveChallengeFunction: POST /api/social/challenges/{challenge_id}/leave/"""

from wellness.http_api import API
from wellness.routes.challenges import router

app = API.route_app(router, "leave_challenge")
handler = API.handler(app)
