"""EndVisitFunction: POST /api/social/visits/{visit_id}/end/"""

from wellness.http_api import API
from wellness.routes.social import router

app = API.route_app(router, "end_visit")
handler = API.handler(app)
