"""VoteFunction: POST /api/votes/"""

from music.http_api import API
from music.routes.votes import router

app = API.route_app(router, "vote")
handler = API.handler(app)
