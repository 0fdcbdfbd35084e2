"""JoinChallengeFunction: POST /api/social/challenges/{challenge_id}/join/"""

from wellness.http_api import API
from wellness.routes.challenges import router

app = API.route_app(router, "join_challenge")
handler = API.handler(app)
