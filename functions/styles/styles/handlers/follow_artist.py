"""FollowArtistFunction: POST /api/artists/{artist_id}/follow"""

from styles.http_api import API
from styles.routes.follows import router

app = API.route_app(router, "follow_artist")
handler = API.handler(app)
