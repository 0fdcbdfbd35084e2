"""ListPlayerRecommendationsFunction: GET /api/players/{player_id}/recommendations/"""

from music.http_api import API
from music.routes.players import router

app = API.route_app(router, "list_player_recommendations")
handler = API.handler(app)
