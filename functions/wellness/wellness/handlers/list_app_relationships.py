"""ListAppRelationshipsFunction: GET /api/apps/relationships/"""

from wellness.http_api import API
from wellness.routes.apps import router

app = API.route_app(router, "list_app_relationships")
handler = API.handler(app)
