"""BlockUserFunction: POST /api/social/blocks/"""

from wellness.http_api import API
from wellness.routes.blocks import router

app = API.route_app(router, "block_user")
handler = API.handler(app)
