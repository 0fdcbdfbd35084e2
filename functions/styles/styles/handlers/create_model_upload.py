"""CreateModelUploadFunction: POST /api/models/uploads"""

from styles.http_api import API
from styles.routes.models import router

app = API.route_app(router, "create_model_upload")
handler = API.handler(app)
