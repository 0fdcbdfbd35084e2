"""GetMerryMomentFunction: GET /api/v1/merry-moments/{moment_id}/"""

from family.http_api import API
from family.routes.merry_moments import router

app = API.route_app(router, "get_merry_moment")
handler = API.handler(app)
