"""RotateVenueCodeFunction: POST /api/players/{player_id}/venue-code/"""

from music.http_api import API
from music.routes.venues import router

app = API.route_app(router, "rotate_venue_code")
handler = API.handler(app)
