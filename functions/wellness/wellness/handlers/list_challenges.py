"""ListChallengesFunction: GET /api/social/challenges/"""

from wellness.http_api import API
from wellness.routes.challenges import router

app = API.route_app(router, "list_challenges")
handler = API.handler(app)
