"""ListMerryMomentsFunction: GET /api/v1/merry-moments/"""

from family.http_api import API
from family.routes.merry_moments import router

app = API.route_app(router, "list_merry_moments")
handler = API.handler(app)
