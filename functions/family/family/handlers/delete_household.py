"""DeleteHouseholdFunction: DELETE /api/v1/households/{household_id}/"""

from family.http_api import API
from family.routes.households import router

app = API.route_app(router, "delete_household")
handler = API.handler(app)
