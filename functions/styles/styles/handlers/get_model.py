"""GetModelFunction: GET /api/models/{model_id}"""

from styles.http_api import API
from styles.routes.models import router

app = API.route_app(router, "get_model")
handler = API.handler(app)
