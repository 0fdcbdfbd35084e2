"""ListBlocksFunction: GET /api/social/blocks/"""

from wellness.http_api import API
from wellness.routes.blocks import router

app = API.route_app(router, "list_blocks")
handler = API.handler(app)
