"""UnblockUserFunction: DELETE /api/social/blocks/{user_id}/"""

from wellness.http_api import API
from wellness.routes.blocks import router

app = API.route_app(router, "unblock_user")
handler = API.handler(app)
