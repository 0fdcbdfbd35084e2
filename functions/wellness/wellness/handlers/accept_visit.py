"""AcceptVisitFunction: POST /api/social/visits/{visit_id}/accept/"""

from wellness.http_api import API
from wellness.routes.visits import router

app = API.route_app(router, "accept_visit")
handler = API.handler(app)
