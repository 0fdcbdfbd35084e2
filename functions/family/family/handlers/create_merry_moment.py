"""CreateMerryMomentFunction: POST /api/v1/merry-moments/"""

from family.http_api import API
from family.routes.merry_moments import router

app = API.route_app(router, "create_merry_moment")
handler = API.handler(app)
