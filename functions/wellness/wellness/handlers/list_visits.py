"""ListVisitsFunction: GET /api/social/visits/"""

from wellness.http_api import API
from wellness.routes.visits import router

app = API.route_app(router, "list_visits")
handler = API.handler(app)
