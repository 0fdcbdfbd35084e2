"""DeleteExperienceFunction: DELETE /api/v1/experiences/{experience_id}/"""

from family.http_api import API
from family.routes.experiences import router

app = API.route_app(router, "delete_experience")
handler = API.handler(app)
