"""CreateExperienceFunction: POST /api/v1/experiences/"""

from family.http_api import API
from family.routes.experiences import router

app = API.route_app(router, "create_experience")
handler = API.handler(app)
