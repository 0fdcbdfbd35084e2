"""ChallengeLeaderboardFunction: GET /api/social/challenges/{challenge_id}/leaderboard/"""

from wellness.http_api import API
from wellness.routes.challenges import router

app = API.route_app(router, "challenge_leaderboard")
handler = API.handler(app)
