"""ListExperiencesFunction: GET /api/v1/experiences/"""

from family.http_api import API
from family.routes.experiences import router

app = API.route_app(router, "list_experiences")
handler = API.handler(app)
