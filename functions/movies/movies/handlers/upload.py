"""UploadFunction: POST /api/upload"""

from movies.http_api import API
from movies.routes.uploads import router

app = API.route_app(router, "upload")
handler = API.handler(app)
