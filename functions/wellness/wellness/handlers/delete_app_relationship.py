"""DeleteAppRelationshipFunction: DELETE /api/apps/relationships/{relationship_id}/"""

from wellness.http_api import API
from wellness.routes.apps import router

app = API.route_app(router, "delete_app_relationship")
handler = API.handler(app)
