"""CreateUploadFunction: POST /api/uploads"""

from movies.http_api import API
from movies.routes.uploads import router

app = API.route_app(router, "create_upload")
handler = API.handler(app)
