"""CreateHouseholdFunction: POST /api/v1/households/"""

from family.http_api import API
from family.routes.households import router

app = API.route_app(router, "create_household")
handler = API.handler(app)
