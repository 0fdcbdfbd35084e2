"""CreateChallengeFunction: POST /api/social/challenges/"""

from wellness.http_api import API
from wellness.routes.challenges import router

app = API.route_app(router, "create_challenge")
handler = API.handler(app)
