"""EndVisitFunction: POST /api/social/visits/{visit_id}/end/"""

from wellness.http_api import API
from wellness.routes.visits import router

app = API.route_app(router, "end_visit")
handler = API.handler(app)
