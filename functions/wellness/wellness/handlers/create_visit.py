"""CreateVisitFunction: POST /api/social/visits/"""

from wellness.http_api import API
from wellness.routes.visits import router

app = API.route_app(router, "create_visit")
handler = API.handler(app)
