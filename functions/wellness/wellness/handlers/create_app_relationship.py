"""CreateAppRelationshipFunction: POST /api/apps/relationships/"""

from wellness.http_api import API
from wellness.routes.apps import router

app = API.route_app(router, "create_app_relationship")
handler = API.handler(app)
