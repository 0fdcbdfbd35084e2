"""FindVenueFunction: GET /api/venues/{code}/"""

from music.http_api import API
from music.routes.venues import router

app = API.route_app(router, "find_venue")
handler = API.handler(app)
