"""CreateModelFunction: POST /api/models/"""

from styles.http_api import API
from styles.routes.models import router

app = API.route_app(router, "create_model")
handler = API.handler(app)
