"""UpdateExperienceFunction: PATCH /api/v1/experiences/{experience_id}/"""

from family.http_api import API
from family.routes.experiences import router

app = API.route_app(router, "update_experience")
handler = API.handler(app)
