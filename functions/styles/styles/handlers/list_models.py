"""ListModelsFunction: GET /api/models"""

from styles.http_api import API
from styles.routes.models import router

app = API.route_app(router, "list_models")
handler = API.handler(app)
